package main

// Shell completion and the man page, generated from the CLI definition: every flag,
// command and rule the running binary knows, so they never drift from it.

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dfix-dev/dfix/fix"
	"github.com/urfave/cli/v2"
)

// flagInfo is what completion needs to know of a flag.
type flagInfo struct {
	long   string   // "diff"
	short  []string // "d"
	usage  string
	value  bool   // takes a value
	values string // how its value completes: "rules", "files", "" (nothing) or words
}

// flagValueWords are the values of the flags that take one of a few words.
var flagValueWords = map[string]string{
	"format": "text json sarif github markdown",
	"color":  "auto always never",
}

// flagNoValues are value flags whose values cannot be completed (numbers, durations,
// platforms, registry hosts).
var flagNoValues = map[string]bool{"platform": true, "registry-mirror": true, "changed-since": true}

func flagInfos(app *cli.App) []flagInfo {
	var out []flagInfo
	for _, f := range app.VisibleFlags() {
		names := f.Names()
		fi := flagInfo{}
		for _, n := range names {
			if len(n) == 1 {
				fi.short = append(fi.short, n)
			} else if fi.long == "" {
				fi.long = n
			}
		}
		if fi.long == "" { // only short names
			fi.long, fi.short = fi.short[0], fi.short[1:]
		}
		if df, ok := f.(cli.DocGenerationFlag); ok {
			fi.usage = strings.ReplaceAll(df.GetUsage(), "`", "")
			fi.value = df.TakesValue()
		}
		if fi.value {
			switch f.(type) {
			case *cli.IntFlag, *cli.Int64Flag, *cli.UintFlag, *cli.Float64Flag, *cli.DurationFlag:
			default:
				switch {
				case fi.long == "select" || fi.long == "ignore":
					fi.values = "rules"
				case flagValueWords[fi.long] != "":
					fi.values = flagValueWords[fi.long]
				case !flagNoValues[fi.long]:
					fi.values = "files"
				}
			}
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].long < out[j].long })
	return out
}

func ruleNames() []string {
	var names []string
	for _, r := range fix.Rules() {
		names = append(names, r.Name)
	}
	return names
}

func completionCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: "bash: source <(dfix completion bash)   (or save it in /etc/bash_completion.d/dfix)\n" +
			"zsh:  dfix completion zsh > \"${fpath[1]}/_dfix\"   (then restart zsh)\n" +
			"fish: dfix completion fish > ~/.config/fish/completions/dfix.fish",
		Action: func(c *cli.Context) error {
			var script string
			switch c.Args().First() {
			case "bash":
				script = bashCompletion(c.App)
			case "zsh":
				script = zshCompletion(c.App)
			case "fish":
				script = fishCompletion(c.App)
			default:
				return cli.Exit("dfix completion: name a shell: bash, zsh or fish", exitError)
			}
			if c.NArg() > 1 {
				return cli.Exit("dfix completion: name one shell", exitError)
			}
			_, err := io.WriteString(stdout, script)
			return err
		},
	}
}

func manCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print the man page (roff): dfix man > dfix.1; man ./dfix.1",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cli.Exit("dfix man: takes no arguments", exitError)
			}
			// The description is Markdown to the generator: keep Dockerfile* literal.
			c.App.Description = strings.ReplaceAll(c.App.Description, "*", `\*`)
			page, err := c.App.ToManWithSection(1)
			if err != nil {
				return cli.Exit("dfix man: "+err.Error(), exitError)
			}
			_, err = io.WriteString(stdout, manPlaceholders(c.App, page)+manTail)
			return err
		},
	}
}

// manTail is what the generated page lacks: files, environment, exit status.
const manTail = `
.SH FILES
.TP
.B .dfix.toml
Settings for the Dockerfiles in its folder and below: the nearest one from a file's folder
up to the repository root applies (\fBextend\fP inherits another). See \fBdfix config\fP.
.TP
.B .hadolint.yaml
Its \fBignored:\fP list is used when no .dfix.toml applies.
.SH ENVIRONMENT
.TP
.B NO_COLOR
Any value turns colour off.
.TP
.B FORCE_COLOR
A value other than 0 turns colour on.
.SH EXIT STATUS
.TP
.B 0
Nothing left to fix (or everything fixed with \-w).
.TP
.B 1
Findings remain, or \-\-diff / \-l printed something.
.TP
.B 2
A usage or configuration error, or a file that could not be read, parsed or written.
.SH SEE ALSO
hadolint(1), docker-build(1)
`

func visibleCommands(app *cli.App) []*cli.Command {
	var out []*cli.Command
	for _, c := range app.VisibleCommands() {
		if c.Name != "help" {
			out = append(out, c)
		}
	}
	return out
}

func commandNames(app *cli.App) string {
	var names []string
	for _, c := range visibleCommands(app) {
		names = append(names, c.Name)
	}
	return strings.Join(names, " ")
}

func bashCompletion(app *cli.App) string {
	var b strings.Builder
	flags := flagInfos(app)
	var all []string
	cases := map[string][]string{} // completion code -> flag spellings
	var order []string
	for _, f := range flags {
		spell := []string{"--" + f.long}
		for _, s := range f.short {
			spell = append(spell, "-"+s)
		}
		all = append(all, spell...)
		if !f.value {
			continue
		}
		var code string
		switch f.values {
		case "rules":
			code = `__dfix_list "$__dfix_rules"`
		case "files":
			code = `COMPREPLY=($(compgen -f -- "$cur"))`
		case "":
			code = `COMPREPLY=()`
		default:
			code = fmt.Sprintf(`COMPREPLY=($(compgen -W %q -- "$cur"))`, f.values)
		}
		if _, ok := cases[code]; !ok {
			order = append(order, code)
		}
		cases[code] = append(cases[code], spell...)
	}
	fmt.Fprintf(&b, `# bash completion for dfix (generated by "dfix completion bash"; dfix %s)
# Use: source <(dfix completion bash), or save it in /etc/bash_completion.d/dfix.

__dfix_rules=%q
__dfix_commands=%q
__dfix_flags=%q

# __dfix_list completes a comma-separated list of words.
__dfix_list() {
	local pre="" word="$cur"
	if [[ "$cur" == *,* ]]; then
		pre="${cur%%,*},"
		word="${cur##*,}"
	fi
	COMPREPLY=($(compgen -P "$pre" -W "$1" -- "$word"))
}

_dfix() {
	local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
	COMPREPLY=()
	# bash splits --select=a,b at the "=": complete the value all the same.
	if [[ "$cur" == "=" ]]; then
		cur=""
	elif [[ "$prev" == "=" && $COMP_CWORD -ge 2 ]]; then
		prev="${COMP_WORDS[COMP_CWORD-2]}"
	fi
	case "$prev" in
`, versionString(), strings.Join(ruleNames(), " "), commandNames(app), strings.Join(all, " "))
	for _, code := range order {
		fmt.Fprintf(&b, "\t%s)\n\t\t%s\n\t\treturn ;;\n", strings.Join(cases[code], "|"), code)
	}
	b.WriteString(`	esac
	case "${COMP_WORDS[1]}" in
	explain)
		[[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "$__dfix_rules" -- "$cur"))
		return ;;
	completion)
		[[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"))
		return ;;
	esac
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$__dfix_flags" -- "$cur"))
		return
	fi
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$__dfix_commands" -- "$cur"))
	fi
	COMPREPLY+=($(compgen -f -- "$cur"))
}

complete -o filenames -o bashdefault -F _dfix dfix
`)
	return b.String()
}

// zshQuote escapes text for an _arguments description inside single quotes.
func zshQuote(s string) string {
	r := strings.NewReplacer(`'`, `'\''`, `[`, `\[`, `]`, `\]`, `:`, `\:`, `\`, `\\`)
	return r.Replace(s)
}

func zshCompletion(app *cli.App) string {
	var b strings.Builder
	fmt.Fprintf(&b, `#compdef dfix
# zsh completion for dfix (generated by "dfix completion zsh"; dfix %s)
# Use: dfix completion zsh > "${fpath[1]}/_dfix", then restart zsh.

_dfix() {
	local -a rules=(%s)
	local -a commands=(
`, versionString(), strings.Join(ruleNames(), " "))
	for _, c := range visibleCommands(app) {
		fmt.Fprintf(&b, "\t\t'%s:%s'\n", c.Name, strings.ReplaceAll(c.Usage, "'", `'\''`))
	}
	b.WriteString("\t)\n\tlocal curcontext=\"$curcontext\" state line\n\t_arguments -s -S \\\n")
	for _, f := range flagInfos(app) {
		var spells []string
		for _, s := range f.short {
			if f.value {
				spells = append(spells, "-"+s+"+")
			} else {
				spells = append(spells, "-"+s)
			}
		}
		long := "--" + f.long
		if f.value {
			long += "="
		}
		spells = append(spells, long)
		var action string
		if f.value {
			switch f.values {
			case "rules":
				action = ":rule:_values -s , rule $rules"
			case "files":
				action = ":file:_files"
			case "":
				action = ":value: "
			default:
				action = ":value:(" + f.values + ")"
			}
		}
		desc := "[" + zshQuote(f.usage) + "]"
		if len(spells) == 1 {
			fmt.Fprintf(&b, "\t\t'%s%s%s' \\\n", spells[0], desc, action)
			continue
		}
		var excl []string
		for _, s := range spells {
			excl = append(excl, strings.TrimRight(s, "+="))
		}
		fmt.Fprintf(&b, "\t\t'(%s)'{%s}'%s%s' \\\n", strings.Join(excl, " "), strings.Join(spells, ","), desc, action)
	}
	b.WriteString(`		'*::arg:->args'
	case $state in
	args)
		if (( CURRENT == 1 )); then
			_alternative 'commands:command:_describe command commands' 'files:file:_files'
		elif [[ $words[1] == explain ]]; then
			compadd -a rules
		elif [[ $words[1] == completion ]]; then
			compadd bash zsh fish
		else
			_files
		fi
		;;
	esac
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
	_dfix "$@"
else
	compdef _dfix dfix
fi
`)
	return b.String()
}

// fishQuote quotes s for fish, in single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func fishCompletion(app *cli.App) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# fish completion for dfix (generated by "dfix completion fish"; dfix %s)
# Use: dfix completion fish > ~/.config/fish/completions/dfix.fish

function __dfix_rules
	printf '%%s\n' %s
end

`, versionString(), strings.Join(ruleNames(), " "))
	var cmds []string
	for _, c := range visibleCommands(app) {
		cmds = append(cmds, c.Name)
		fmt.Fprintf(&b, "complete -c dfix -n __fish_use_subcommand -f -a %s -d %s\n", c.Name, fishQuote(c.Usage))
	}
	fmt.Fprintf(&b, "complete -c dfix -n '__fish_seen_subcommand_from explain' -x -a '(__dfix_rules)'\n")
	fmt.Fprintf(&b, "complete -c dfix -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'\n")
	for _, f := range flagInfos(app) {
		line := "complete -c dfix -l " + f.long
		for _, s := range f.short {
			line += " -s " + s
		}
		if f.value {
			switch f.values {
			case "rules":
				line += " -x -a '(__fish_complete_list , __dfix_rules)'"
			case "files":
				line += " -r -F"
			case "":
				line += " -x"
			default:
				line += " -x -a " + fishQuote(f.values)
			}
		}
		line += " -d " + fishQuote(f.usage)
		b.WriteString(line + "\n")
	}
	return b.String()
}
