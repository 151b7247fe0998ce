package fix

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dfix-dev/dfix/rewrite"
)

// instructionRules are fixes that change instructions rather than shell text.
func instructionRules() []*Rule {
	return []*Rule{
		{
			Name:  "add-to-copy",
			Title: "ADD of local files where COPY is meant",
			Doc: "ADD does more than copy: it downloads URLs and unpacks local tar archives. " +
				"For plain local files and folders COPY says what happens, and only that. The " +
				"fix changes the keyword, keeping --chown, --chmod and --link. It never touches " +
				"an ADD of a URL, a git source, a file that looks like an archive (.tar, .tgz, " +
				".tar.gz, .tar.bz2, .tar.xz, .txz, .zst...) or, whatever its name, whose content in " +
				"the build context is a tar archive or a compressed stream (`ADD rootfs /`), a " +
				"source with a variable or a glob " +
				"(what it matches is unknown), or an ADD with --checksum or --keep-git-dir.",
			Before:        "ADD requirements.txt /app/",
			After:         "COPY requirements.txt /app/",
			Hadolint:      []string{"DL3020"},
			Applicability: Safe,
			Default:       true,
			Check:         checkAddToCopy,
		},
		{
			Name:  "maintainer-to-label",
			Title: "MAINTAINER is deprecated",
			Doc: "MAINTAINER has been deprecated since Docker 1.13. The fix writes the same text " +
				"as the OCI authors label, quoted so that it means exactly what MAINTAINER said " +
				"(MAINTAINER does not expand variables: a $ is escaped).",
			Before:        "MAINTAINER Jane Doe <jane@example.com>",
			After:         `LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"`,
			Hadolint:      []string{"DL4000"},
			BuildKit:      []string{"MaintainerDeprecated"},
			Applicability: Safe,
			Default:       true,
			Check:         checkMaintainer,
		},
		{
			Name:  "legacy-key-value",
			Title: "ENV or LABEL in the legacy `key value` form",
			Doc: "`ENV key value` is the legacy form: it sets one variable whose value is the whole " +
				"rest of the line, which surprises readers (`ENV A 1 B 2` sets A to `1 B 2`). The " +
				"fix writes `key=value`, quoting the value when it has white space. Values with " +
				"quotes or escapes, or whose first word is on another line than the key, are only " +
				"reported: rewriting them exactly is not worth the risk.",
			Before:        "ENV PYTHONUNBUFFERED 1",
			After:         "ENV PYTHONUNBUFFERED=1",
			BuildKit:      []string{"LegacyKeyValueFormat"},
			Applicability: Safe,
			Default:       true,
			Check:         checkLegacyKeyValue,
		},
		{
			Name:          "from-as-casing",
			Title:         "FROM and AS in different cases",
			Doc:           "`FROM image as name` mixes cases; BuildKit warns about it. The fix writes AS in the case of FROM.",
			Before:        "FROM golang:1.22 as build",
			After:         "FROM golang:1.22 AS build",
			BuildKit:      []string{"FromAsCasing"},
			Applicability: Safe,
			Default:       true,
			Check:         checkFromAsCasing,
		},
		{
			Name:  "instruction-casing",
			Title: "instruction keywords in mixed case",
			Doc: "Keywords should all be upper case or all lower case. The fix writes the keywords " +
				"that differ in the case most of the file's keywords use (upper case on a tie).",
			Before:        "FROM alpine\nrun echo hi",
			After:         "FROM alpine\nRUN echo hi",
			BuildKit:      []string{"ConsistentInstructionCasing"},
			Applicability: Safe,
			Default:       true,
			Check:         checkInstructionCasing,
		},
		{
			Name:  "stage-name-casing",
			Title: "stage name with upper-case letters",
			Doc: "Stage names are matched without regard to case, and BuildKit warns about names " +
				"that are not lower case. The fix lowercases the name and every reference to it: " +
				"FROM, COPY --from= and RUN --mount=...,from=.",
			Before:        "FROM golang AS Builder\nFROM alpine\nCOPY --from=Builder /app /app",
			After:         "FROM golang AS builder\nFROM alpine\nCOPY --from=builder /app /app",
			BuildKit:      []string{"StageNameCasing"},
			Applicability: Safe,
			Default:       true,
			Check:         checkStageNameCasing,
		},
		{
			Name:  "no-empty-continuation",
			Title: "empty line inside a line continuation",
			Doc: "An empty line in the middle of a continued instruction is ignored today, but " +
				"BuildKit warns that it will become an error. The fix removes it; comment lines " +
				"stay.",
			Before:        "RUN apt-get update && \\\n\n    apt-get install -y curl",
			After:         "RUN apt-get update && \\\n    apt-get install -y curl",
			BuildKit:      []string{"NoEmptyContinuation"},
			Applicability: Safe,
			Default:       true,
			Check:         checkEmptyContinuation,
		},
		{
			Name:  "redundant-target-platform",
			Title: "FROM --platform=$TARGETPLATFORM",
			Doc: "$TARGETPLATFORM is the platform a stage is built for anyway; the flag only adds noise. The fix removes it. " +
				"Not when an ARG before the first FROM gives TARGETPLATFORM a default: that default replaces the " +
				"platform BuildKit sets, and the flag asks for it (advice only).",
			Before:        "FROM --platform=$TARGETPLATFORM alpine",
			After:         "FROM alpine",
			BuildKit:      []string{"RedundantTargetPlatform"},
			Applicability: Safe,
			FixNote:       "display-only when a global ARG gives TARGETPLATFORM a default",
			Default:       true,
			Check:         checkRedundantTargetPlatform,
		},
	}
}

// keywordEdit returns an edit replacing an instruction's keyword.
func keywordEdit(in *rewrite.Instruction, word string) (rewrite.Edit, bool) {
	kw, ok := in.KeywordSpan()
	if !ok {
		return rewrite.Edit{}, false
	}
	return rewrite.Edit{Start: kw.Start, End: kw.End, New: word}, true
}

// sameCase writes word in the case of model (all lower when model is lower case).
func sameCase(model, word string) string {
	if model == strings.ToLower(model) {
		return strings.ToLower(word)
	}
	return strings.ToUpper(word)
}

// archiveSuffixes are the names of files ADD may unpack: tar archives, plain or
// compressed (ADD looks at the content; a .gz may well be a tar). A .zip is copied as
// it is, so it is not here.
var archiveSuffixes = []string{".tar", ".tgz", ".gz", ".tbz", ".tbz2", ".bz2", ".txz", ".xz", ".zst", ".tzst", ".lz", ".lzma", ".z"}

// unknownSource is addNeeded's answer for a source dfix cannot see.
const unknownSource = "a variable or a glob"

func checkAddToCopy(p *Pass) {
	for _, in := range p.Doc.Instructions {
		if in.Keyword != "add" || in.Logical == nil || in.Heredoc {
			continue
		}
		srcs := nodeWords(in)
		if len(srcs) < 2 {
			continue
		}
		srcs = srcs[:len(srcs)-1]
		kw, _ := in.KeywordSpan()
		why := addNeeded(in, srcs)
		if why == "" && addUnpacksContextFile(p.context, srcs) {
			why = "an archive ADD unpacks"
		}
		if why != "" {
			if why == unknownSource {
				p.Report(Diagnostic{Start: kw.Start, End: kw.End,
					Message: "ADD of a source dfix cannot see (a variable or a glob)",
					Help:    "if it names local files that are not tar archives, COPY says what happens",
					Fix:     &Fix{Title: "Use COPY", Applicability: DisplayOnly}})
			}
			continue
		}
		text := p.Doc.Src[kw.Start:kw.End]
		edit, ok := keywordEdit(in, sameCase(string(text), "copy"))
		if !ok {
			continue
		}
		p.Report(Diagnostic{
			Start: kw.Start, End: kw.End,
			Message: "ADD of local files: COPY says what happens",
			Fix: &Fix{Title: "Use COPY", Applicability: Safe, Edits: []rewrite.Edit{edit},
				Instructions: map[string]int{"add": -1, "copy": 1}},
		})
	}
}

// addUnpacksContextFile reports whether a source of an ADD is a file of the build
// context whose content is a tar archive or a compressed stream, which ADD unpacks
// whatever its name (`ADD rootfs /`): it looks at the content, not the name. Found by
// building: COPY put the archive itself where ADD had put its files.
func addUnpacksContextFile(ctx *buildContext, srcs []string) bool {
	for _, src := range srcs {
		rel, ok := depContextPath(strings.Trim(src, `"'`))
		if !ok {
			continue
		}
		fi, ok := ctx.stat(rel)
		if !ok || !fi.Mode().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(ctx.dir, filepath.FromSlash(rel)))
		if err != nil {
			continue
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		f.Close()
		if archiveHeader(head[:n]) {
			return true
		}
	}
	return false
}

// archiveHeader reports whether the first bytes of a file are those of a tar archive
// (ustar) or of a gzip, bzip2, xz or zstd stream, the formats ADD unpacks.
func archiveHeader(b []byte) bool {
	for _, magic := range [][]byte{{0x1f, 0x8b}, []byte("BZh"), {0xfd, '7', 'z', 'X', 'Z', 0x00}, {0x28, 0xb5, 0x2f, 0xfd}} {
		if bytes.HasPrefix(b, magic) {
			return true
		}
	}
	return len(b) >= 262 && string(b[257:262]) == "ustar"
}

// addNeeded returns why an ADD must stay an ADD, or "" when COPY does the same.
func addNeeded(in *rewrite.Instruction, srcs []string) string {
	for _, f := range in.Node.Flags {
		if strings.HasPrefix(f, "--checksum") || strings.HasPrefix(f, "--keep-git-dir") || strings.HasPrefix(f, "--unpack") {
			return "a flag only ADD has"
		}
	}
	for _, s := range srcs {
		s = strings.Trim(s, `"'`)
		l := strings.ToLower(s)
		if strings.Contains(l, "://") || strings.HasPrefix(l, "git@") || strings.HasSuffix(l, ".git") {
			return "a URL or git source"
		}
		for _, suf := range archiveSuffixes {
			if strings.HasSuffix(l, suf) {
				return "an archive ADD unpacks"
			}
		}
	}
	for _, s := range srcs {
		if strings.ContainsAny(s, "$*?[") {
			return unknownSource
		}
	}
	return ""
}

func checkMaintainer(p *Pass) {
	for _, in := range p.Doc.Instructions {
		if in.Keyword != "maintainer" || in.Logical == nil {
			continue
		}
		kw, _ := in.KeywordSpan()
		d := Diagnostic{Start: kw.Start, End: kw.End, Message: "MAINTAINER is deprecated"}
		value := in.Args()
		start, end, ok := in.Logical.FileSpan(0, in.ArgsStart+len(value))
		if !ok || value == "" {
			d.Help = "write LABEL org.opencontainers.image.authors=\"...\" by hand"
			d.Fix = &Fix{Title: "Use the OCI authors label", Applicability: DisplayOnly}
			p.Report(d)
			continue
		}
		label := sameCase(string(p.Doc.Src[kw.Start:kw.End]), "label")
		d.Fix = &Fix{Title: "Use the OCI authors label", Applicability: Safe, Edits: []rewrite.Edit{{
			Start: start, End: end,
			New: label + " org.opencontainers.image.authors=" + quoteValue(value, p.Doc.Escape, true),
		}}, Instructions: map[string]int{"maintainer": -1, "label": 1}}
		p.Report(d)
	}
}

// quoteValue writes s as a double-quoted Dockerfile word that BuildKit reads back as
// s: the escape char, double quotes and (when literal) $ are escaped.
func quoteValue(s string, escape byte, literal bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == escape || c == '"' || literal && c == '$' {
			b.WriteByte(escape)
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

func checkLegacyKeyValue(p *Pass) {
	for _, in := range p.Doc.Instructions {
		if in.Keyword != "env" && in.Keyword != "label" || in.Logical == nil {
			continue
		}
		t := in.Logical.Text
		args := in.Args()
		if args == "" {
			continue
		}
		// The legacy form: the first word has no `=` before any white space.
		i := in.ArgsStart
		for i < len(t) && !isBlank(t[i]) && t[i] != '=' {
			i++
		}
		if i >= len(t) || t[i] == '=' {
			continue
		}
		keyEnd := i
		for i < len(t) && isBlank(t[i]) {
			i++
		}
		valueStart, valueEnd := i, in.ArgsStart+len(args)
		if valueStart >= valueEnd {
			continue // a key and no value (`ENV \ \`): nothing to rewrite
		}
		value := t[valueStart:valueEnd]
		kw, _ := in.KeywordSpan()
		d := Diagnostic{Start: kw.Start, End: kw.End,
			Message: fmt.Sprintf("%s %s uses the legacy `key value` form", strings.ToUpper(in.Keyword), t[in.ArgsStart:keyEnd])}
		fix := legacyFix(p.Doc, in, keyEnd, valueStart, valueEnd, value)
		if fix == nil {
			d.Help = "write key=value by hand, quoting the value"
			fix = &Fix{Title: "Use key=value", Applicability: DisplayOnly}
		}
		d.Fix = fix
		p.Report(d)
	}
}

// legacyFix turns `key value` into `key=value` (or `key="value with spaces"`) when that
// reads back exactly as the same value.
func legacyFix(doc *rewrite.Document, in *rewrite.Instruction, keyEnd, valueStart, valueEnd int, value string) *Fix {
	l := in.Logical
	sepStart, sepEnd, ok := l.FileSpan(keyEnd, valueStart)
	if !ok {
		return nil // the value starts on another line: `ENV DEPS \` + values below
	}
	if !strings.ContainsAny(value, " \t") {
		return &Fix{Title: "Use key=value", Applicability: Safe,
			Edits: []rewrite.Edit{{Start: sepStart, End: sepEnd, New: "="}}}
	}
	if strings.ContainsAny(value, "\"'") || strings.IndexByte(value, doc.Escape) >= 0 {
		return nil
	}
	end := l.FileOffset(valueEnd-1) + 1
	return &Fix{Title: "Use key=value", Applicability: Safe, Edits: []rewrite.Edit{
		{Start: sepStart, End: sepEnd, New: `="`},
		{Start: end, End: end, New: `"`},
	}}
}

func checkFromAsCasing(p *Pass) {
	for _, in := range p.Doc.Instructions {
		if in.Keyword != "from" || in.Logical == nil {
			continue
		}
		kw, ok := in.KeywordSpan()
		if !ok {
			continue
		}
		from := string(p.Doc.Src[kw.Start:kw.End])
		t := in.Logical.Text
		// Find the AS word: the second word of the arguments.
		words := splitWords(t, in.ArgsStart)
		if len(words) != 3 || !strings.EqualFold(t[words[1].Start:words[1].End], "as") {
			continue
		}
		as := t[words[1].Start:words[1].End]
		want := sameCase(from, "as")
		if from != strings.ToUpper(from) && from != strings.ToLower(from) || as == want {
			continue
		}
		start, end, ok := in.Logical.FileSpan(words[1].Start, words[1].End)
		if !ok {
			continue
		}
		p.Report(Diagnostic{Start: start, End: end,
			Message: fmt.Sprintf("'%s' and '%s' keywords' casing do not match", as, from),
			Fix:     &Fix{Title: "Write " + want + " like " + from, Applicability: Safe, Edits: []rewrite.Edit{{Start: start, End: end, New: want}}}})
	}
}

// splitWords returns the spans of the blank-separated words of t from offset from.
func splitWords(t string, from int) []rewrite.Span {
	var out []rewrite.Span
	i := from
	for i < len(t) {
		for i < len(t) && isBlank(t[i]) {
			i++
		}
		j := i
		for j < len(t) && !isBlank(t[j]) {
			j++
		}
		if j > i {
			out = append(out, rewrite.Span{Start: i, End: j})
		}
		i = j
	}
	return out
}

func checkInstructionCasing(p *Pass) {
	upper, lower := 0, 0
	for _, in := range p.Doc.Instructions {
		v := in.Node.Value
		switch v {
		case strings.ToUpper(v):
			upper++
		case strings.ToLower(v):
			lower++
		}
	}
	wantUpper := upper >= lower
	for _, in := range p.Doc.Instructions {
		kw, ok := in.KeywordSpan()
		if !ok {
			continue
		}
		v := string(p.Doc.Src[kw.Start:kw.End])
		want := strings.ToLower(v)
		if wantUpper {
			want = strings.ToUpper(v)
		}
		if v == want {
			continue
		}
		p.Report(Diagnostic{Start: kw.Start, End: kw.End,
			Message: fmt.Sprintf("keyword %s is not in the file's case (%s)", v, map[bool]string{true: "upper", false: "lower"}[wantUpper]),
			Fix:     &Fix{Title: "Write " + want, Applicability: Safe, Edits: []rewrite.Edit{{Start: kw.Start, End: kw.End, New: want}}}})
	}
}

// stageRef is a reference to a stage name somewhere in the file.
type stageRef struct {
	name       string // as written
	start, end int    // file offsets
}

func checkStageNameCasing(p *Pass) {
	// Stage names as declared, and every place they are written.
	declared := map[string]string{} // lower -> as declared
	refs := map[string][]stageRef{}
	for _, in := range p.Doc.Instructions {
		if in.Logical == nil {
			continue
		}
		t := in.Logical.Text
		switch in.Keyword {
		case "from":
			words := splitWords(t, in.ArgsStart)
			if len(words) >= 1 {
				addStageRef(in, words[0], declared, refs, false)
			}
			if len(words) == 3 && strings.EqualFold(t[words[1].Start:words[1].End], "as") {
				addStageRef(in, words[2], declared, refs, true)
			}
		case "copy", "add", "run":
			for _, f := range in.Flags {
				flag := t[f.Start:f.End]
				switch {
				case strings.HasPrefix(flag, "--from="):
					addStageRef(in, rewrite.Span{Start: f.Start + len("--from="), End: f.End}, declared, refs, false)
				case strings.HasPrefix(flag, "--mount="):
					for _, part := range splitCSVSpans(t, f.Start+len("--mount="), f.End) {
						if strings.HasPrefix(t[part.Start:part.End], "from=") {
							addStageRef(in, rewrite.Span{Start: part.Start + len("from="), End: part.End}, declared, refs, false)
						}
					}
				}
			}
		}
	}
	for lower, name := range declared {
		if name == lower {
			continue
		}
		var edits []rewrite.Edit
		var decl stageRef
		for _, r := range refs[lower] {
			if r.name != lower {
				edits = append(edits, rewrite.Edit{Start: r.start, End: r.end, New: lower})
			}
			if decl.end == 0 && r.name == name {
				decl = r
			}
		}
		p.Report(Diagnostic{Start: decl.start, End: decl.end,
			Message: fmt.Sprintf("stage name %q should be lower case", name),
			Fix:     &Fix{Title: "Write " + lower + " everywhere", Applicability: Safe, Edits: edits}})
	}
}

// addStageRef records a stage name (declared) or a word that may name a stage.
func addStageRef(in *rewrite.Instruction, w rewrite.Span, declared map[string]string, refs map[string][]stageRef, declare bool) {
	t := in.Logical.Text
	name := t[w.Start:w.End]
	if strings.ContainsAny(name, `$"'`) || name == "" {
		return
	}
	lower := strings.ToLower(name)
	if declare {
		if _, ok := declared[lower]; !ok {
			declared[lower] = name
		}
	} else if _, ok := declared[lower]; !ok {
		return // an image, or a stage not declared yet: FROM only sees earlier stages
	}
	start, end, ok := in.Logical.FileSpan(w.Start, w.End)
	if ok {
		refs[lower] = append(refs[lower], stageRef{name: name, start: start, end: end})
	}
}

// splitCSVSpans returns the comma-separated fields of t[from:to] (no quoting).
func splitCSVSpans(t string, from, to int) []rewrite.Span {
	var out []rewrite.Span
	start := from
	for i := from; i <= to; i++ {
		if i == to || t[i] == ',' {
			out = append(out, rewrite.Span{Start: start, End: i})
			start = i + 1
		}
	}
	return out
}

func checkEmptyContinuation(p *Pass) {
	doc := p.Doc
	for _, in := range doc.Instructions {
		if in.Logical == nil {
			continue
		}
		var edits []rewrite.Edit
		// Lines strictly inside the continuation (0-based StartLine .. LogicalEndLine-2).
		for li := in.StartLine; li < in.LogicalEndLine-1; li++ {
			if doc.IsBlank(li) {
				edits = append(edits, rewrite.Edit{Start: doc.LineStart(li), End: doc.LineEnd(li), New: ""})
			}
		}
		if len(edits) == 0 {
			continue
		}
		p.Report(Diagnostic{Start: edits[0].Start, End: edits[0].Start,
			Message: "empty line inside a line continuation",
			Fix:     &Fix{Title: "Remove the empty line", Applicability: Safe, Edits: edits}})
	}
}

func checkRedundantTargetPlatform(p *Pass) {
	for _, in := range p.Doc.Instructions {
		if in.Keyword != "from" || in.Logical == nil {
			continue
		}
		t := in.Logical.Text
		for _, f := range in.Flags {
			v, ok := strings.CutPrefix(t[f.Start:f.End], "--platform=")
			if !ok || v != "$TARGETPLATFORM" && v != "${TARGETPLATFORM}" && v != `"$TARGETPLATFORM"` && v != `"${TARGETPLATFORM}"` {
				continue
			}
			end := f.End
			for end < len(t) && isBlank(t[end]) {
				end++
			}
			start, stop, ok := in.Logical.FileSpan(f.Start, end)
			if !ok {
				// The line continues right after the flag: remove the flag alone and
				// keep the continuation.
				if start, stop, ok = in.Logical.FileSpan(f.Start, f.End); !ok {
					continue
				}
			}
			if v, ok := p.Facts.Args.Value("TARGETPLATFORM"); ok {
				// A global ARG default replaces the platform BuildKit sets (checked on the
				// engine): the flag asks for that platform, not the target's.
				p.Report(Diagnostic{Start: start, End: start + (f.End - f.Start),
					Message: "--platform=$TARGETPLATFORM with a global ARG TARGETPLATFORM=" + v,
					Help:    "the ARG's default replaces the target platform BuildKit sets, so the flag is not the default: remove the ARG's default and the flag by hand if the target platform is meant",
					Fix:     &Fix{Title: "Remove the flag", Applicability: DisplayOnly}})
				continue
			}
			p.Report(Diagnostic{Start: start, End: start + (f.End - f.Start),
				Message: "--platform=$TARGETPLATFORM is the default",
				Fix:     &Fix{Title: "Remove the flag", Applicability: Safe, Edits: []rewrite.Edit{{Start: start, End: stop, New: ""}}}})
		}
	}
}
