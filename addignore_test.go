package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
)

// addIgnoreConfig is the configuration of `dfix -w --add-ignore` with the given rules.
func addIgnoreConfig(t testing.TB, sel []string, unsafe bool) *config {
	t.Helper()
	rules, err := fix.Select(fix.Rules(), sel, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config{mode: modeWrite, rules: rules, unsafe: unsafe, format: "text", jobs: 1}
	cfg.addIgnore = true
	return cfg
}

// fixWithIgnores runs the fixes and --add-ignore on src as -w would.
func fixWithIgnores(t testing.TB, cfg *config, name string, src []byte) *fileResult {
	t.Helper()
	fr := &fileResult{path: name}
	fr.res, fr.note, fr.err = cfg.fixBytes(name, src)
	if fr.res != nil {
		cfg.addIgnores(fr)
	}
	return fr
}

func TestAddIgnore(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sel    []string
		unsafe bool
		in     string
		want   string
	}{{
		name: "new comment, indentation and CRLF kept",
		in:   "FROM debian:12\r\n\t RUN apt-get install -y curl\r\nUSER root\r\n",
		want: "FROM debian:12\r\n\t # dfix ignore=no-install-recommends\r\n\t RUN apt-get install -y curl\r\nUSER root\r\n",
		sel:  []string{"no-install-recommends"},
	}, {
		name: "merged into the dfix comment above, after other comments",
		in:   "FROM alpine\n# why\n# dfix ignore=user-root-last\n# more\nENTRYPOINT ./a\nENTRYPOINT ./b\n",
		want: "FROM alpine\n# why\n# dfix ignore=user-root-last,exec-form\n# more\nENTRYPOINT ./a\n# dfix ignore=exec-form\nENTRYPOINT ./b\n",
		sel:  []string{"exec-form"},
	}, {
		name: "the list's own separator, trailing spaces kept",
		in:   "FROM alpine\n# dfix ignore=DL3002, user-root-last  \nENTRYPOINT ./b\n",
		want: "FROM alpine\n# dfix ignore=DL3002, user-root-last, exec-form  \nENTRYPOINT ./b\n",
		sel:  []string{"exec-form"},
	}, {
		name: "a blank line ends the comment block: a new comment",
		in:   "FROM alpine\n# dfix ignore=user-root-last\n\nENTRYPOINT ./b\n",
		want: "FROM alpine\n# dfix ignore=user-root-last\n\n# dfix ignore=exec-form\nENTRYPOINT ./b\n",
		sel:  []string{"exec-form"},
	}, {
		name: "a hadolint or global comment is left as it is",
		in:   "FROM alpine\n# hadolint ignore=DL3002\n# dfix global ignore=DL3015\nENTRYPOINT ./b\n",
		want: "FROM alpine\n# hadolint ignore=DL3002\n# dfix global ignore=DL3015\n# dfix ignore=exec-form\nENTRYPOINT ./b\n",
		sel:  []string{"exec-form"},
	}, {
		name: "several rules on one instruction, sorted; the fixes are applied first",
		in:   "FROM debian:12\nRUN apt-get install -y curl\nCMD ./x\nUSER root\n",
		want: "FROM debian:12\n# dfix ignore=no-install-recommends\nRUN apt-get install -y curl\nCMD [\"./x\"]\n# dfix ignore=user-root-last\nUSER root\n",
		sel:  []string{"no-install-recommends", "exec-form", "user-root-last"},
	}, {
		name: "the first line of a file with a byte order mark",
		in:   "\ufeffFROM alpine:3.20\nENTRYPOINT ./b\n",
		want: "\ufeff\n# dfix ignore=pin-digest\nFROM alpine:3.20\n# dfix ignore=exec-form\nENTRYPOINT ./b\n",
		sel:  []string{"exec-form", "pin-digest"},
	}, {
		name: "no final newline",
		in:   "FROM alpine\nENTRYPOINT ./b",
		want: "FROM alpine\n# dfix ignore=exec-form\nENTRYPOINT ./b",
		sel:  []string{"exec-form"},
	}, {
		name: "a heredoc and a backtick escape",
		in:   "# escape=`\nFROM alpine\nRUN <<EOF\napt-get install -y curl\nEOF\nENTRYPOINT ./b `\n  --flag\n",
		want: "# escape=`\nFROM alpine\nRUN <<EOF\napt-get install -y curl\nEOF\n# dfix ignore=exec-form\nENTRYPOINT ./b `\n  --flag\n",
		sel:  []string{"exec-form"},
	}, {
		name: "--select decides: nothing else gets a comment",
		in:   "FROM debian:12\nRUN apt-get install -y curl\nUSER root\n",
		want: "FROM debian:12\nRUN apt-get install -y curl\n# dfix ignore=user-root-last\nUSER root\n",
		sel:  []string{"DL3002"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := addIgnoreConfig(t, tc.sel, tc.unsafe)
			fr := fixWithIgnores(t, cfg, "Dockerfile", []byte(tc.in))
			if fr.err != nil {
				t.Fatal(fr.err)
			}
			if got := string(fr.res.Output); got != tc.want {
				t.Fatalf("got:\n%q\nwant:\n%q", got, tc.want)
			}
			if len(fr.res.Remaining) != 0 || len(fr.res.Problems) != 0 {
				t.Errorf("remaining %v, problems %v", fr.res.Remaining, fr.res.Problems)
			}
			// The edits against the input are the whole change.
			if out, err := rewrite.Apply([]byte(tc.in), fr.res.Edits); err != nil || string(out) != tc.want {
				t.Errorf("edits give %q, %v", out, err)
			}
			// A second run changes nothing.
			again := fixWithIgnores(t, cfg, "Dockerfile", fr.res.Output)
			if again.err != nil || again.res.Changed() || again.ignores != nil {
				t.Errorf("second run: %v, changed %v:\n%s", again.err, again.res.Changed(), again.res.Output)
			}
		})
	}
}

// A finding outside any instruction (here the # syntax= frontend, not pinned) can get
// no comment: it is left and listed.
func TestAddIgnoreOutsideInstructions(t *testing.T) {
	cfg := addIgnoreConfig(t, []string{"pin-digest"}, false)
	fr := fixWithIgnores(t, cfg, "Dockerfile", []byte("# syntax=docker/dockerfile:1\nFROM alpine:3.20\n"))
	if fr.err != nil {
		t.Fatal(fr.err)
	}
	want := "# syntax=docker/dockerfile:1\n# dfix ignore=pin-digest\nFROM alpine:3.20\n"
	if string(fr.res.Output) != want {
		t.Errorf("got %q", fr.res.Output)
	}
	if len(fr.res.Remaining) != 1 || fr.res.Remaining[0].Rule.Name != "pin-digest" || fr.res.OutputDoc.LineOf(fr.res.Remaining[0].Start) != 1 {
		t.Errorf("remaining: %v", fr.res.Remaining)
	}
}

// TestAddIgnoreCorpus runs -w --add-ignore over every corpus file, with the default
// rules and with every rule and unsafe fixes: the output parses, has the instructions
// of the fixed file, differs from it only by comment lines, has no finding a comment
// could turn off, and a second run changes nothing.
func TestAddIgnoreCorpus(t *testing.T) {
	corpus := os.Getenv("DFIX_CORPUS")
	if corpus == "" {
		t.Skip("DFIX_CORPUS is not set: --add-ignore is not run on the corpus")
	}
	var files []string
	err := filepath.WalkDir(corpus, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, setup := range []struct {
		name   string
		sel    []string
		unsafe bool
	}{{"default", nil, false}, {"all-unsafe", []string{"all"}, true}} {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			cfg := addIgnoreConfig(t, setup.sel, setup.unsafe)
			fixedOnly := *cfg
			fixedOnly.addIgnore = false
			checked, commented := 0, 0
			for _, p := range files {
				src, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				plain := &fileResult{path: p}
				plain.res, _, plain.err = fixedOnly.fixBytes(p, src)
				if plain.res == nil {
					continue // does not parse, or another frontend
				}
				fr := fixWithIgnores(t, cfg, p, src)
				if fr.err != nil {
					t.Errorf("%s: %v", p, fr.err)
					continue
				}
				checked++
				for _, pr := range fr.res.Problems {
					if pr.Rule == "add-ignore" {
						t.Errorf("%s: %s", p, pr)
					}
				}
				if fr.ignores == nil {
					if !bytes.Equal(fr.res.Output, plain.res.Output) {
						t.Errorf("%s: no comment added, yet the output is not the fixed file", p)
					}
					continue
				}
				commented++
				out := fr.res.Output
				doc, err := rewrite.Parse(p, out)
				if err != nil {
					t.Errorf("%s: the output does not parse: %v", p, err)
					continue
				}
				if !sameInstructions(plain.res.OutputDoc, doc) {
					t.Errorf("%s: the comments changed the instructions", p)
				}
				if msg := onlyCommentLines(plain.res.Output, out); msg != "" {
					t.Errorf("%s: %s", p, msg)
				}
				for _, d := range fr.res.Remaining {
					if fix.InstructionAt(fr.res.OutputDoc, d.Start) != nil {
						t.Errorf("%s:%d: %s is left where a comment could turn it off", p, fr.res.OutputDoc.LineOf(d.Start), d.Rule.Name)
					}
				}
				again := fixWithIgnores(t, cfg, p, out)
				if again.err != nil || again.res.Changed() {
					t.Errorf("%s: a second run changes the file (%v):\n%s", p, again.err,
						rewrite.UnifiedDiff(p, out, again.res.Output))
				}
			}
			t.Logf("%d files, %d with comments added", checked, commented)
			if checked < 1000 || commented < 100 {
				t.Errorf("only %d files checked, %d commented", checked, commented)
			}
		})
	}
}

// localIgnoreRe is a per-instruction dfix suppression comment, written out here as the
// test's own reading of the syntax.
var localIgnoreRe = regexp.MustCompile(`^#\s*dfix\s+ignore\s*=\s*(.*)$`)

// onlyCommentLines says how b differs from a otherwise than by added `# dfix ignore=`
// lines or names appended to such lines ("" when it does not).
func onlyCommentLines(a, b []byte) string {
	al, bl := strings.SplitAfter(string(a), "\n"), strings.SplitAfter(string(b), "\n")
	i := 0
	for _, line := range bl {
		if i < len(al) && line == al[i] {
			i++
			continue
		}
		body := strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if !localIgnoreRe.MatchString(body) && body != "" {
			return "a line that is not a dfix ignore comment changed: " + line
		}
		if i < len(al) && localIgnoreRe.MatchString(strings.TrimSpace(al[i])) {
			i++ // an extended comment
		} else if i < len(al) && strings.TrimPrefix(al[i], "\ufeff") == strings.TrimPrefix(line, "\ufeff") {
			i++
		}
	}
	if i != len(al) {
		return "lines of the fixed file are missing"
	}
	return ""
}
