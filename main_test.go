package main

// CLI tests: every script in testdata/script/*.txtar runs dfix as a real process.
//
// How dfix is run. TestMain hands the test binary to testscript.Main, which puts a
// `dfix` command on the scripts' PATH that re-executes this test binary as dfix (by its
// os.Args[0]), so `exec dfix ...` runs main's run function in a child process, with
// real stdin, stdout, stderr, exit status and working folder.
//
// How exit codes are checked. testscript's `exec` only tells zero from non-zero
// (`! exec`), and dfix's contract is 0 / 1 / 2, so scripts use the custom command
//
//	exits N PROGRAM [ARGS...]
//
// which runs PROGRAM through testscript's own TestScript.Exec (same PATH, environment,
// working folder and `stdin` file as `exec`; stdout and stderr are kept for the
// `stdout`, `stderr` and `cmp stdout` commands that follow) and fails unless the exit
// status is exactly N. `exec dfix` is still used where success (0) is expected.
//
// Other custom commands (all paths relative to the current folder):
//
//	writefile FILE 'TEXT'     write TEXT with Go string escapes (\n, \r, \x00, \xff, \t)
//	                          decoded: NUL bytes, invalid UTF-8, BOMs, no final newline
//	genfile FILE N            write "FROM alpine\nRUN echo xxx...\nCMD a b\n" whose RUN
//	                          line is exactly N bytes long (without its newline)
//	filemode FILE PERM        fail unless FILE's permission bits are PERM (octal);
//	                          follows symlinks; `! filemode` negates
//	islink PATH               fail unless PATH is a symbolic link; `! islink` negates
//	glob PATTERN              print the paths matching PATTERN, one a line, on stdout
//	jsonget [-len] FILE PATH  decode FILE (strict: one JSON value) and print the value at
//	                          PATH (dot-separated keys and array indexes, "." for the
//	                          whole value) as compact JSON with sorted keys on stdout;
//	                          with -len, the length of that array or object instead
//	sarifrefs FILE            fail unless every result of the SARIF log FILE names by
//	                          ruleIndex the driver rule whose id is its ruleId
//	genbig [-fixed] FILE SIZE write a Dockerfile of at least SIZE bytes (1k, 10M...):
//	                          FROM, then RUN lines of about 1 KB and comment lines,
//	                          then `CMD a b` (with -fixed: `CMD ["a", "b"]`, what
//	                          dfix -w makes of it)
//	tmpfs DIR SIZE            mount a tmpfs of SIZE (64k) on DIR, unmounted when the
//	                          script ends; `tmpfs -ro DIR` remounts it read-only
//	                          (see main_fail_test.go)
//
// Conditions: [root] is true when the tests run as root (permission bits then do not
// stop reads or writes, so scripts about unreadable files skip themselves). [tmpfs] is
// true when a tmpfs can be mounted here (root on Linux, mount allowed by the sandbox).
//
// The environment: NO_COLOR=1, so the output has no colour escapes unless a script
// asks for it with --color always. `go test -run TestScripts -update` rewrites the
// expected files of a failing `cmp` inside the scripts.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update", false, "rewrite the expected files of failing cmp commands in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dfix": func() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *updateScripts,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			case "tmpfs":
				return canMountTmpfs(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     cmdExits,
			"writefile": cmdWritefile,
			"genfile":   cmdGenfile,
			"filemode":  cmdFilemode,
			"islink":    cmdIslink,
			"glob":      cmdGlob,
			"jsonget":   cmdJSONGet,
			"sarifrefs": cmdSarifRefs,
			"genbig":    cmdGenbig,
			"tmpfs":     cmdTmpfs,
		},
	})
}

// exits N PROGRAM [ARGS...]
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits (name the exit code instead)")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit code", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// writefile FILE 'TEXT'
func cmdWritefile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: writefile file 'text with Go escapes'")
	}
	s, err := strconv.Unquote(`"` + strings.ReplaceAll(args[1], `"`, `\"`) + `"`)
	if err != nil {
		ts.Fatalf("writefile: cannot decode %q: %v", args[1], err)
	}
	writeFile(ts, args[0], s)
}

// writeFile writes a file for writefile and genfile, creating its folder.
func writeFile(ts *testscript.TestScript, name, content string) {
	p := ts.MkAbs(name)
	ts.Check(os.MkdirAll(filepath.Dir(p), 0o777))
	ts.Check(os.WriteFile(p, []byte(content), 0o644))
}

// genfile FILE N
func cmdGenfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: genfile file run-line-length")
	}
	n, err := strconv.Atoi(args[1])
	const prefix = "RUN echo "
	if err != nil || n < len(prefix) {
		ts.Fatalf("genfile: bad length %q", args[1])
	}
	src := "FROM alpine\n" + prefix + strings.Repeat("x", n-len(prefix)) + "\nCMD a b\n"
	writeFile(ts, args[0], src)
}

// filemode FILE PERM
func cmdFilemode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode file perm")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	if err != nil {
		ts.Fatalf("filemode: bad mode %q", args[1])
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	got := fi.Mode().Perm()
	if (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %o, want %s%o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// islink PATH
func cmdIslink(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: islink path")
	}
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	ts.Check(err)
	if is := fi.Mode()&os.ModeSymlink != 0; is == neg {
		ts.Fatalf("%s: symbolic link is %v, want %v", args[0], is, !neg)
	}
}

// glob PATTERN
func cmdGlob(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: glob pattern")
	}
	matches, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	for _, m := range matches {
		fmt.Fprintln(ts.Stdout(), m)
	}
	ts.Stdout() // empty stdout when nothing matches, not the previous command's
}

// jsonget [-len] FILE PATH
func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	count := len(args) > 0 && args[0] == "-len"
	if count {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonget [-len] file path")
	}
	data := ts.ReadFile(args[0])
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		ts.Fatalf("jsonget: %s is not valid JSON: %v", args[0], err)
	}
	if rest := strings.TrimSpace(data[dec.InputOffset():]); rest != "" {
		ts.Fatalf("jsonget: %s has more after its JSON value: %.40q", args[0], rest)
	}
	path := strings.Trim(args[1], ".")
	if path != "" {
		for _, key := range strings.Split(path, ".") {
			switch x := v.(type) {
			case map[string]any:
				val, ok := x[key]
				if !ok {
					ts.Fatalf("jsonget: no key %q in %s", key, args[1])
				}
				v = val
			case []any:
				i, err := strconv.Atoi(key)
				if err != nil || i < 0 || i >= len(x) {
					ts.Fatalf("jsonget: no index %q (length %d) in %s", key, len(x), args[1])
				}
				v = x[i]
			default:
				ts.Fatalf("jsonget: %q: not an object or array in %s", key, args[1])
			}
		}
	}
	if count {
		switch x := v.(type) {
		case map[string]any:
			fmt.Fprintln(ts.Stdout(), len(x))
		case []any:
			fmt.Fprintln(ts.Stdout(), len(x))
		default:
			ts.Fatalf("jsonget: %s is not an object or array", args[1])
		}
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	ts.Check(enc.Encode(v))
	fmt.Fprint(ts.Stdout(), b.String())
}

// sarifrefs FILE
func cmdSarifRefs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sarifrefs file")
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &log); err != nil {
		ts.Fatalf("sarifrefs: %s: %v", args[0], err)
	}
	for ri, run := range log.Runs {
		rules := run.Tool.Driver.Rules
		for i, res := range run.Results {
			if res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(rules) {
				ts.Fatalf("runs[%d].results[%d]: ruleIndex missing or out of range", ri, i)
			}
			if got := rules[*res.RuleIndex].ID; got != res.RuleID {
				ts.Fatalf("runs[%d].results[%d]: ruleId %q but ruleIndex %d is %q", ri, i, res.RuleID, *res.RuleIndex, got)
			}
		}
	}
}
