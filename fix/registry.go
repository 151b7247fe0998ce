package fix

import (
	"fmt"
	"sort"
	"strings"
)

// Rules returns every rule dfix knows, in name order. Each call returns fresh values,
// so callers may not change shared state.
func Rules() []*Rule {
	rules := []*Rule{
		{
			Name:  "no-install-recommends",
			Title: "apt-get install without --no-install-recommends",
			Doc: "apt-get installs \"recommended\" packages by default: extra packages nobody " +
				"asked for, which make the image bigger and widen its attack surface. The fix " +
				"adds --no-install-recommends right after `install`. A TLS client such as curl, " +
				"wget or git reaches ca-certificates only through a Recommends (Debian's metadata, " +
				"checked on bookworm): without it https fails in the image, so when the list has " +
				"one the fix also adds ca-certificates after the last package (on a line of its " +
				"own when the list has one package per line). It does not when ca-certificates, " +
				"or a package that depends on it (python3-pip, ca-certificates-java...), is in " +
				"the list or installed before in the stage or a stage it is built on, or when a " +
				"word of the list cannot be read ($VAR without a known value). In the same way gcc " +
				"only recommends libc6-dev, without which it cannot compile or link C: the fix " +
				"adds libc6-dev unless a package that depends on it (build-essential, g++, " +
				"clang...) is there, and xauth with xvfb (xvfb-run needs it). It is unsafe " +
				"because the build may rely on another recommended package; check that the " +
				"image still works.",
			Before:        "RUN apt-get update && apt-get install -y curl",
			After:         "RUN apt-get update && apt-get install --no-install-recommends -y curl ca-certificates",
			Hadolint:      []string{"DL3015"},
			Applicability: Unsafe,
			Default:       true,
			Check:         checkNoInstallRecommends,
		},
		{
			Name:  "exec-form",
			Title: "CMD, ENTRYPOINT or HEALTHCHECK CMD in shell form",
			Doc: "In shell form the command runs as `/bin/sh -c \"...\"`: the shell is PID 1, " +
				"so the program does not get SIGTERM on `docker stop` and is killed after the " +
				"timeout. When every word is plain text, the fix writes the JSON (exec) form, " +
				"dropping a leading `exec`. For CMD and HEALTHCHECK CMD this keeps the meaning " +
				"and is safe, under the default shell or a SHELL that only runs the text " +
				"(`sh -c`, `bash -o pipefail -c`, -e, -u, -x). A SHELL that does more first (a " +
				"login or interactive shell reading /etc/profile, zsh reading .zshenv, bash " +
				"with an ENV BASH_ENV, a script after -c that gets the text as $0) may set the " +
				"PATH the program is found on: there the command is written as the JSON form " +
				"of that shell call (unsafe, below). For ENTRYPOINT it is unsafe: in exec form the CMD and the " +
				"arguments of `docker run` are appended to it, in shell form they are ignored. " +
				"A shell-form CMD next to an exec-form ENTRYPOINT (of its stage, or of the stage " +
				"it is built FROM) hands the ENTRYPOINT `/bin/sh -c TEXT` as arguments: its words " +
				"become the JSON arguments they were meant to be (unsafe: it changes what runs); " +
				"so it is next to a shell-form ENTRYPOINT that reads its positional parameters " +
				"($0, $1, $@...), which the CMD fills, and on a base image whose ENTRYPOINT " +
				"script looks at its first argument (the official redis, postgres, mysql, " +
				"mongo, nginx... images drop root, initialise or run hooks only when it is " +
				"their program). " +
				"A command that needs the shell ($VAR, &&, ;, redirections) is written as the " +
				"JSON form of what BuildKit runs for it, the SHELL in effect and the text " +
				"(`[\"/bin/sh\", \"-c\", \"...\"]` by default), with `exec` before its last " +
				"command: `CMD cd /srv && python3 app.py --port $PORT` becomes " +
				"`CMD [\"/bin/sh\", \"-c\", \"cd /srv && exec python3 app.py --port $PORT\"]`. " +
				"The text keeps every byte (quotes and backslashes escaped in place, line " +
				"continuations and comment lines kept). This is also how a shell-form " +
				"ENTRYPOINT next to a CMD is fixed: the shell form already runs " +
				"`sh -c TEXT CMD...` (the CMD words are $0 $1...), and so does the JSON form. " +
				"The fix is unsafe: the program now replaces the shell and gets the signals " +
				"(the point, but a change), a function or alias from a sourced file is no " +
				"longer found, and a base image that set its own SHELL would have run the text " +
				"with that shell. `exec` goes in only before a plain program call that ends a " +
				"top-level && or ; list: not a builtin, not in a pipeline, a || list, a " +
				"subshell or a loop; never when the text sets a trap (it would no longer run), " +
				"defines a function or starts a background job; and only for sh, dash, ash " +
				"and bash. Where `exec` cannot go, the fix is the same JSON form without it: " +
				"exactly what BuildKit runs, with the shell now in sight, but the program " +
				"still does not receive the signals, which the finding's advice says (unsafe, " +
				"for the base image's SHELL as above). Windows stages get advice. A " +
				"HEALTHCHECK CMD that needs the shell is left alone: it has no signals to receive.",
			Before:        "CMD python app.py --port 8080",
			After:         `CMD ["python", "app.py", "--port", "8080"]`,
			Hadolint:      []string{"DL3025"},
			BuildKit:      []string{"JSONArgsRecommended"},
			Applicability: Safe,
			FixNote:       "unsafe for ENTRYPOINT, CMD arguments, commands that need a shell and SHELLs that read startup files",
			Default:       true,
			Check:         checkExecForm,
		},
		{
			Name:  "shell-syntax",
			Title: "RUN body that is not valid shell",
			Doc: "dfix reads RUN bodies with a real shell parser before it changes them. A body " +
				"it cannot parse (an unclosed quote, a stray `)`...) is most likely a bug in the " +
				"Dockerfile, and every shell fix leaves that RUN alone rather than guess. The " +
				"finding says where the parser stopped. A body that ends in a lone backslash is " +
				"reported too: in a `# escape=` (backtick) file a backslash continues no line, so " +
				"the shell gets it as a literal `\\`, and it would escape whatever a fix appended. " +
				"So is a heredoc script in a file with CRLF line endings: BuildKit keeps the CRs " +
				"in the body, so `mkdir /x` makes a folder named `/x` plus a CR, and the build " +
				"goes on as if nothing were wrong.",
			Before:        `RUN echo "unclosed && make`,
			After:         `RUN echo "closed" && make`,
			Applicability: DisplayOnly,
			Default:       true,
			Check:         checkShellSyntax,
		},
	}
	rules = append(rules, aptRules()...)
	rules = append(rules, packageRules()...)
	rules = append(rules, runRules()...)
	rules = append(rules, instructionRules()...)
	rules = append(rules, reportRules()...)
	rules = append(rules, copyRules()...)
	rules = append(rules, pinRules()...)
	sort.Slice(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
	return rules
}

// Lookup finds a rule by name, hadolint code or BuildKit check name.
func Lookup(rules []*Rule, name string) *Rule {
	for _, r := range rules {
		if r.Matches(name) {
			return r
		}
	}
	return nil
}

// Select returns the rules enabled by --select and --ignore. With no selection the
// default rules are enabled; "all" selects every rule. Unknown names are an error.
func Select(rules []*Rule, sel, ignore []string) ([]*Rule, error) {
	on := map[*Rule]bool{}
	if len(sel) == 0 {
		for _, r := range rules {
			on[r] = r.Default
		}
	}
	for _, n := range sel {
		if strings.EqualFold(n, "all") {
			for _, r := range rules {
				on[r] = true
			}
			continue
		}
		r := Lookup(rules, n)
		if r == nil {
			return nil, fmt.Errorf("--select: unknown rule %q (see `dfix rules`)", n)
		}
		on[r] = true
	}
	for _, n := range ignore {
		r := Lookup(rules, n)
		if r == nil {
			return nil, fmt.Errorf("--ignore: unknown rule %q (see `dfix rules`)", n)
		}
		on[r] = false
	}
	var out []*Rule
	for _, r := range rules {
		if on[r] {
			out = append(out, r)
		}
	}
	return out, nil
}
