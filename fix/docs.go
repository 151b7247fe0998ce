package fix

import (
	"fmt"
	"strings"
)

// MarkdownTable renders the rule table of the README from the rule declarations.
func MarkdownTable(rules []*Rule) string {
	var b strings.Builder
	b.WriteString("| Rule | What it finds | Fix | Default | hadolint | BuildKit |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rules {
		def := "off"
		if r.Default {
			def = "on"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.Name, escapeCell(r.Title), r.FixSummary(), def,
			orDash(strings.Join(r.Hadolint, ", ")), orDash(strings.Join(r.BuildKit, ", ")))
	}
	return b.String()
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
