package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/dfix-dev/dfix/fix"
)

// SARIF 2.1.0, the subset GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration map[string]any `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	Fixes     []sarifFix      `json:"fixes,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent sarifText   `json:"insertedContent"`
}

// sarifRules describes every rule, from the rule declarations.
func sarifRules(rules []*fix.Rule) []sarifRule {
	var out []sarifRule
	for _, r := range rules {
		out = append(out, sarifRule{
			ID: r.Name, Name: r.Name,
			ShortDescription:     sarifText{r.Title},
			FullDescription:      sarifText{r.Doc},
			Help:                 sarifText{fmt.Sprintf("%s\n\nBefore:\n%s\n\nAfter:\n%s", r.Doc, r.Before, r.After)},
			DefaultConfiguration: map[string]any{"level": "warning", "enabled": r.Default},
			Properties:           map[string]any{"tags": r.Codes()[1:], "fix": r.Applicability.String()},
		})
	}
	return out
}

// repoPath gives a file's path from the root of its git repository, as code scanning
// and the Actions runner read the paths of results and annotations (relative ones from
// the root of the repository, not from the folder dfix runs in), and false, with p as
// given, when p is not in a repository.
func repoPath(repos *repoRoots, p string) (string, bool) {
	if p == "-" || p == "" {
		return p, false
	}
	if _, rel, ok := repos.locate(p); ok {
		return rel, true
	}
	return p, false
}

// sarifURI is a SARIF artifact uri: a valid URI reference (RFC 3986), relative to the
// repository root where the file is in one, else as given, an absolute path as a file
// URI.
func sarifURI(repos *repoRoots, p string) string {
	rel, ok := repoPath(repos, p)
	if !ok && (filepath.IsAbs(filepath.FromSlash(p)) || strings.HasPrefix(p, "/")) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/x: file:///C:/x
		}
		return "file://" + escapeURIPath(p)
	}
	return escapeURIPath(rel)
}

// escapeURIPath percent-encodes each segment of a slash-separated path, ':' too, so
// that no first segment reads as a scheme.
func escapeURIPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/")
}

func writeSARIF(w io.Writer, records []findingRecord) error {
	rules := fix.Rules()
	index := map[string]int{}
	for i, r := range rules {
		index[r.Name] = i
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "dfix", Version: version,
			InformationURI: "https://github.com/dfix-dev/dfix", Rules: sarifRules(rules)}},
		ColumnKind: "unicodeCodePoints",
		Results:    []sarifResult{},
	}
	repos := &repoRoots{}
	for _, r := range records {
		if r.Fixed || r.Ignored {
			continue // fixed in place, or turned off by a comment --add-ignore wrote: nothing left to show
		}
		uri := sarifURI(repos, r.Path)
		res := sarifResult{
			RuleID: r.Rule, RuleIndex: index[r.Rule], Level: "warning",
			Message: sarifText{r.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uri},
				Region:           sarifRegion{r.Line, r.Column, r.EndLine, r.EndColumn},
			}}},
		}
		if r.Help != "" {
			res.Message.Text += " (" + r.Help + ")"
		}
		if r.Fix != nil && r.Fix.Applicability != fix.DisplayOnly && len(r.Fix.Edits) > 0 {
			change := sarifArtifactChange{ArtifactLocation: sarifArtifact{URI: uri}}
			for _, e := range r.Fix.Edits {
				change.Replacements = append(change.Replacements, sarifReplacement{
					DeletedRegion:   sarifRegion{e.Line, e.Column, e.EndLine, e.EndColumn},
					InsertedContent: sarifText{e.New},
				})
			}
			res.Fixes = []sarifFix{{Description: sarifText{r.Fix.Title + " (" + r.Fix.Applicability.String() + ")"},
				ArtifactChanges: []sarifArtifactChange{change}}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

// writeGitHub prints a GitHub Actions workflow annotation; the runner reads a relative
// file path from the repository root.
func writeGitHub(w io.Writer, repos *repoRoots, r findingRecord) {
	if r.Fixed || r.Ignored {
		return
	}
	msg := r.Message
	if r.Help != "" {
		msg += " (" + r.Help + ")"
	}
	fmt.Fprintf(w, "::warning file=%s,line=%d,col=%d,endLine=%d,endColumn=%d,title=%s::%s\n",
		ghProperty(ghPath(repos, r.Path)), r.Line, r.Column, r.EndLine, r.EndColumn, ghProperty("dfix "+r.Rule), ghData(msg))
}

// ghPath is an annotation's file: from the repository root, or as given outside one.
func ghPath(repos *repoRoots, p string) string {
	rel, _ := repoPath(repos, p)
	return rel
}

// Escaping as in @actions/core's command.ts.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
