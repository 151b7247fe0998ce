package main

// How --help shows a flag. urfave/cli's own rendering writes "value" for a flag whose
// usage has no `PLACEHOLDER`, repeats a list flag as `--select all [ --select all ]`,
// and prints "(default: false)" after every boolean; dfix's shows
// `--select RULES  ... (repeatable, or comma-separated)`.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

func init() {
	cli.FlagStringer = helpFlagString
}

// flagPlaceholders are the placeholders of value flags whose usage does not name one
// (flags declared where the usage text reads better without it).
var flagPlaceholders = map[string]string{
	"format": "FORMAT", "jobs": "N", "select": "RULES", "ignore": "RULES",
	"stdin-filename": "PATH", "context": "DIR", "color": "WHEN",
}

// flagPlaceholder is the word shown after a value flag's names.
func flagPlaceholder(f cli.DocGenerationFlag) string {
	if !f.TakesValue() {
		return ""
	}
	if p, _ := unquoteUsage(f.GetUsage()); p != "" {
		return p
	}
	if p := flagPlaceholders[f.Names()[0]]; p != "" {
		return p
	}
	return "VALUE"
}

func isSliceFlag(f cli.Flag) bool {
	sf, ok := f.(cli.DocGenerationSliceFlag)
	return ok && sf.IsSliceFlag()
}

// helpFlagString is cli.FlagStringer for dfix: "--jobs N, -j N\tusage (default: 8)".
func helpFlagString(f cli.Flag) string {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return fmt.Sprint(f)
	}
	placeholder := flagPlaceholder(df)
	_, usage := unquoteUsage(df.GetUsage())
	var names []string
	for _, n := range df.Names() {
		dash := "--"
		if len(n) == 1 {
			dash = "-"
		}
		if placeholder != "" {
			n += " " + placeholder
		}
		names = append(names, dash+n)
	}
	if isSliceFlag(f) && !strings.Contains(usage, "repeatable") {
		usage += " (repeatable)"
	}
	if _, isBool := f.(*cli.BoolFlag); !isBool {
		if d := df.GetDefaultText(); d != "" && d != `""` {
			usage += " (default: " + d + ")"
		}
	}
	return strings.Join(names, ", ") + "\t" + strings.TrimSpace(usage)
}

// unquoteUsage returns the first `backquoted` word of a usage text and the text without
// its backquotes (what urfave/cli does, unexported there).
func unquoteUsage(usage string) (string, string) {
	i := strings.IndexByte(usage, '`')
	if i < 0 {
		return "", usage
	}
	j := strings.IndexByte(usage[i+1:], '`')
	if j < 0 {
		return "", usage
	}
	name := usage[i+1 : i+1+j]
	return name, usage[:i] + name + usage[i+1+j+1:]
}

var (
	manSynopsisValue = regexp.MustCompile(`\[--([a-z0-9-]+)((?:\|-{1,2}[a-z0-9-]+)*)\]=\[value\]`)
	manOptionValue   = regexp.MustCompile(`\\fB--([a-z0-9-]+)((?:, -{1,2}[a-z0-9-]+)*)\\fP=""`)
)

// manPlaceholders puts each value flag's placeholder in the man page urfave/cli
// generates, which writes `[--jobs|-j]=[value]` and `\fB--jobs, -j\fP=""` for every one.
func manPlaceholders(app *cli.App, page string) string {
	placeholders := map[string]string{}
	add := func(flags []cli.Flag) {
		for _, f := range flags {
			if df, ok := f.(cli.DocGenerationFlag); ok && df.TakesValue() {
				placeholders[f.Names()[0]] = flagPlaceholder(df)
			}
		}
	}
	add(app.Flags)
	for _, c := range app.Commands {
		add(c.Flags)
	}
	page = manSynopsisValue.ReplaceAllStringFunc(page, func(m string) string {
		sub := manSynopsisValue.FindStringSubmatch(m)
		if p := placeholders[sub[1]]; p != "" {
			return "[--" + sub[1] + sub[2] + "]=" + p
		}
		return m
	})
	return manOptionValue.ReplaceAllStringFunc(page, func(m string) string {
		sub := manOptionValue.FindStringSubmatch(m)
		if p := placeholders[sub[1]]; p != "" {
			return `\fB--` + sub[1] + sub[2] + `\fP=\fI` + p + `\fP`
		}
		return m
	})
}
