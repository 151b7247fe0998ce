package fix

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/dfix-dev/dfix/rewrite"
)

// PinResolver looks image references up for the pin-digest rule. The CLI makes one
// per run (package pin, with its cache, lock file and bounded concurrency) and hands
// it down through Options.Pin; a nil resolver means: report, look nothing up.
type PinResolver interface {
	// Resolve returns the digest of ref (name:tag, as written, never with a digest).
	// file names the Dockerfile that asks, for the run's report of failed lookups.
	Resolve(ctx context.Context, ref, file string) (PinResult, error)
}

// PinIndexResolver is a PinResolver with a target platform (--platform) that can also
// look up the multi-platform index, for the images that do not run on that platform:
// a FROM with a --platform of its own, the # syntax= frontend (it runs on the builder).
type PinIndexResolver interface {
	PinResolver
	// Platform is the platform whose manifests Resolve pins, "" for the index.
	Platform() string
	// ResolveIndex is Resolve, pinning the index whatever Platform is.
	ResolveIndex(ctx context.Context, ref, file string) (PinResult, error)
}

// PinResult is a resolved reference.
type PinResult struct {
	Digest   string // sha256:...
	FromLock bool   // answered by the lock file
	Platform string // set when the digest is this platform's manifest (--platform)
}

// PinOptions are the pin-digest rule's settings for a run.
type PinOptions struct {
	Resolver PinResolver     // nil: unpinned images are reported, not looked up
	Update   bool            // --update-pins: re-resolve pinned images, replace moved digests
	Context  context.Context // cancels lookups (nil: context.Background())
}

func pinRules() []*Rule {
	return []*Rule{{
		Name:  "pin-digest",
		Title: "image not pinned to a digest",
		Doc: "A tag such as python:3.12-slim moves: the same Dockerfile builds on another image " +
			"tomorrow, and a compromised registry account can slip one in. Pinning the digest " +
			"makes the build reproducible; keeping the tag in front of it keeps it readable and " +
			"lets Renovate and Dependabot refresh it. With --pin, dfix looks each image up in its " +
			"registry (once per run, however many files name it) and inserts `@sha256:...` after " +
			"the tag — the index digest of a multi-platform image, or with --platform os/arch " +
			"that platform's manifest (not for a FROM with another --platform of its own, nor " +
			"for the # syntax= frontend, which runs on the builder: they keep the index). An image without a tag means :latest and is pinned as " +
			"`name:latest@sha256:...`. It pins FROM images, COPY --from and RUN --mount from= " +
			"images, the default of an ARG declared before the first FROM that a FROM uses as its " +
			"whole image (`FROM ${BASE}`), and the `# syntax=` frontend image on its own line. " +
			"Never scratch or stage names, and never an ARG value written into FROM: an image " +
			"built from a variable is reported for you to pin where the value is set. " +
			"--update-pins replaces digests whose tag moved; --pin-lock FILE keeps the digests " +
			"in a lock file (--offline answers from it alone); --registry-mirror " +
			"docker.io=HOST looks images up through a mirror while the file keeps the original " +
			"name. A failed lookup leaves the image as it is, says why, and makes the run exit " +
			"with 2. Without --pin the rule (off by default: select it with --select " +
			"pin-digest) only reports unpinned images. It covers hadolint's DL3006 and DL3007: " +
			"a pinned digest fixes what a missing or latest tag leaves open.",
		Before:        "# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.4 /uv /bin/",
		After:         "# syntax=docker/dockerfile:1@sha256:<digest>\nFROM python:3.12-slim@sha256:<digest>\nCOPY --from=ghcr.io/astral-sh/uv:0.4@sha256:<digest> /uv /bin/",
		Applicability: Safe,
		FixNote:       "with --pin; reported only without it",
		Default:       false,
		Check:         checkPinDigest,
	}}
}

// pinSite is one image reference in a file that the rule may pin.
type pinSite struct {
	what  string // how the message names it: "FROM image", "COPY --from image"...
	image string // as written, quotes removed
	note  string // said after the image: " (the image of FROM on line 4)"
	start int    // file span of image
	end   int
	// lookup is name:tag (":latest" added when the reference has no tag); "" when the
	// site is only reported (reason says why).
	lookup string
	reason string
	hasTag bool
	// nameEnd is where "@sha256:..." goes (after the tag); digest is the digest as
	// written and digestStart its offset, when the image is already pinned.
	nameEnd     int
	digest      string
	digestStart int
	// platform is the --platform flag of the FROM that uses the image, as written;
	// builder is set for the # syntax= frontend, which runs on the builder's platform.
	platform string
	builder  bool
}

// index reports whether the site is pinned to the multi-platform index although
// the resolver pins platform's manifests: its image is not pulled for platform.
func (s pinSite) index(platform string) bool {
	if platform == "" {
		return false
	}
	if s.builder {
		return true
	}
	switch s.platform {
	case "", platform, "$TARGETPLATFORM", "${TARGETPLATFORM}":
		return false
	}
	return true
}

// fromPlatform returns the value of the --platform flag of the FROM in, or "".
func fromPlatform(in *rewrite.Instruction) string {
	t := in.Logical.Text
	for _, f := range in.Flags {
		if v, ok := strings.CutPrefix(t[f.Start:f.End], "--platform="); ok {
			return unquotePair(v)
		}
	}
	return ""
}

var argRefRe = regexp.MustCompile(`^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$`)

// syntaxLineRe finds the value of a # syntax= directive on its line.
var syntaxLineRe = regexp.MustCompile(`(?i)^(\x{FEFF}?\s*#\s*syntax\s*=\s*)(.*?)\s*$`)

// pinSites returns the image references of doc, in file order; args are its global
// ARGs, whose defaults a FROM may take its image from.
func pinSites(doc *rewrite.Document, args *MetaArgs) []pinSite {
	var sites []pinSite
	for _, d := range doc.Directives() {
		if !strings.EqualFold(d.Name, "syntax") {
			continue
		}
		line := doc.Line(d.Line - 1)
		m := syntaxLineRe.FindStringSubmatchIndex(line)
		if m == nil || line[m[4]:m[5]] != d.Value {
			continue
		}
		s := doc.LineStart(d.Line-1) + m[4]
		site := newPinSite("# syntax= frontend image", d.Value, s, s+len(d.Value))
		site.builder = true
		sites = append(sites, site)
	}
	// A global ARG's default is pinned where it is written, never in FROM.
	globals := args.written
	stages := map[string]bool{} // the stages declared so far: what a FROM can name
	// COPY --from and RUN --mount from= are never pinned when they name a stage
	// declared anywhere in the file: a forward reference is an error to fix, not an
	// image to pin.
	allStages := map[string]bool{}
	for _, in := range doc.Instructions {
		if in.Keyword == "from" && in.Logical != nil {
			t := in.Logical.Text
			if w := splitWords(t, in.ArgsStart); len(w) == 3 && strings.EqualFold(t[w[1].Start:w[1].End], "as") {
				allStages[strings.ToLower(t[w[2].Start:w[2].End])] = true
			}
		}
	}
	argSites := map[int]int{} // ARG values already pinned by an earlier FROM: their site
	for _, in := range doc.Instructions {
		if in.Logical == nil {
			continue
		}
		t := in.Logical.Text
		switch in.Keyword {
		case "from":
			words := splitWords(t, in.ArgsStart)
			if len(words) == 0 {
				continue
			}
			w := words[0]
			img := t[w.Start:w.End]
			if !isStageOrScratch(img, stages) {
				if m := argRefRe.FindStringSubmatch(img); m != nil {
					name := m[1] + m[2]
					g, declared := globals[name]
					switch {
					case !declared:
						sites = append(sites, pinSite{what: "FROM image", image: img, start: in.Logical.FileOffset(w.Start),
							end:    in.Logical.FileOffset(w.End-1) + 1,
							reason: fmt.Sprintf("comes from $%s, which is not declared before the first FROM", name)})
					case g.value == "":
						sites = append(sites, pinSite{what: "FROM image", image: img, start: in.Logical.FileOffset(w.Start),
							end:    in.Logical.FileOffset(w.End-1) + 1,
							reason: fmt.Sprintf("comes from ARG %s, which has no default: pin the image where the build passes it", name)})
					case isStageOrScratch(g.value, stages):
					case strings.Contains(g.value, "$") || !g.ok:
						sites = append(sites, pinSite{what: "ARG " + name + " default", image: g.value, start: g.start, end: g.end,
							reason: "is not a plain image reference: pin it where its value is set"})
					default:
						if i, ok := argSites[g.start]; ok {
							if sites[i].platform != fromPlatform(in) {
								sites[i].platform = "*" // FROMs on different platforms: the index
							}
							break
						}
						argSites[g.start] = len(sites)
						s := newPinSite("ARG "+name+" default", g.value, g.start, g.end)
						s.note = fmt.Sprintf(" (the image of FROM on line %d)", in.StartLine)
						s.platform = fromPlatform(in)
						sites = append(sites, s)
					}
				} else {
					s := imageSite(in, "FROM image", w.Start, w.End)
					s.platform = fromPlatform(in)
					sites = append(sites, s)
				}
			}
			if len(words) == 3 && strings.EqualFold(t[words[1].Start:words[1].End], "as") {
				stages[strings.ToLower(t[words[2].Start:words[2].End])] = true
			}
		case "copy", "run":
			for _, f := range in.Flags {
				flag := t[f.Start:f.End]
				switch {
				case in.Keyword == "copy" && strings.HasPrefix(flag, "--from="):
					vs := f.Start + len("--from=")
					if v := t[vs:f.End]; !isStageOrScratch(unquotePair(v), allStages) && !isStageIndex(unquotePair(v)) {
						sites = append(sites, imageSite(in, "COPY --from image", vs, f.End))
					}
				case in.Keyword == "run" && strings.HasPrefix(flag, "--mount="):
					if strings.ContainsAny(flag, `"'`) {
						continue // quoted CSV fields: left alone
					}
					for _, part := range splitCSVSpans(t, f.Start+len("--mount="), f.End) {
						if !strings.HasPrefix(t[part.Start:part.End], "from=") {
							continue
						}
						vs := part.Start + len("from=")
						if v := t[vs:part.End]; !isStageOrScratch(v, allStages) && !isStageIndex(v) && v != "" {
							sites = append(sites, imageSite(in, "RUN --mount from= image", vs, part.End))
						}
					}
				}
			}
		}
	}
	return sites
}

func isStageOrScratch(img string, stages map[string]bool) bool {
	return strings.EqualFold(img, "scratch") || stages[strings.ToLower(img)]
}

// isStageIndex reports a stage named by its number (COPY --from=0).
func isStageIndex(v string) bool {
	_, err := strconv.Atoi(v)
	return err == nil
}

// imageSite makes the site of the image written at logical [ls, le) of in.
func imageSite(in *rewrite.Instruction, what string, ls, le int) pinSite {
	t := in.Logical.Text
	v := t[ls:le]
	if u := unquotePair(v); u != v {
		v, ls, le = u, ls+1, le-1
	}
	s, e, ok := in.Logical.FileSpan(ls, le)
	if !ok {
		return pinSite{what: what, image: v, start: s, end: in.Logical.FileOffset(le-1) + 1,
			reason: "is split over a line continuation: join it to let dfix pin it"}
	}
	if strings.Contains(v, "$") {
		return pinSite{what: what, image: v, start: s, end: e,
			reason: "is built from a build argument: pin it where the value is set (dfix never writes ARG values into an image reference)"}
	}
	return newPinSite(what, v, s, e)
}

// newPinSite splits an image reference written at file [start, end).
func newPinSite(what, img string, start, end int) pinSite {
	s := pinSite{what: what, image: img, start: start, end: end, nameEnd: end, digestStart: -1}
	base := img
	if at := strings.IndexByte(img, '@'); at >= 0 {
		base, s.digest = img[:at], img[at+1:]
		s.nameEnd, s.digestStart = start+at, start+at+1
	}
	if base == "" || strings.ContainsAny(base, " \t\"'\\`") {
		s.reason = "is not an image reference dfix can read"
		return s
	}
	c := strings.LastIndexByte(base, ':')
	s.hasTag = c > strings.LastIndexByte(base, '/')
	s.lookup = base
	if !s.hasTag {
		s.lookup = base + ":latest"
	}
	return s
}

// PinReferences returns the references the pin-digest rule would look up in doc (with
// update, also those already pinned), so that the CLI can start the lookups of every
// file at once instead of one file at a time.
func PinReferences(doc *rewrite.Document, update bool) []string {
	var out []string
	for _, l := range PinLookups(doc, update, "") {
		out = append(out, l.Ref)
	}
	return out
}

// PinLookup is a reference the pin-digest rule looks up, and whether it asks for the
// multi-platform index whatever the resolver's platform (PinIndexResolver).
type PinLookup struct {
	Ref   string
	Index bool
}

// PinLookups is PinReferences for a resolver that pins platform's manifests.
func PinLookups(doc *rewrite.Document, update bool, platform string) []PinLookup {
	var out []PinLookup
	for _, s := range pinSites(doc, metaArgsOf(doc)) {
		if s.lookup == "" || s.digest != "" && (!update || !s.hasTag) {
			continue
		}
		out = append(out, PinLookup{Ref: s.lookup, Index: s.index(platform)})
	}
	return out
}

// shortDigest abbreviates a digest for messages: sha256:0123456789ab.
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

func checkPinDigest(p *Pass) {
	sites := pinSites(p.Doc, p.Facts.Args)
	opts := p.Pin
	if opts == nil {
		opts = &PinOptions{}
	}
	// Look every reference of the file up at once; the resolver bounds and shares them.
	type answer struct {
		res PinResult
		err error
	}
	answers := make([]answer, len(sites))
	if opts.Resolver != nil {
		ctx := opts.Context
		if ctx == nil {
			ctx = context.Background()
		}
		ir, _ := opts.Resolver.(PinIndexResolver)
		platform := ""
		if ir != nil {
			platform = ir.Platform()
		}
		var wg sync.WaitGroup
		for i, s := range sites {
			if s.lookup == "" || s.digest != "" && (!opts.Update || !s.hasTag) {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s.index(platform) {
					answers[i].res, answers[i].err = ir.ResolveIndex(ctx, s.lookup, p.Doc.Path)
					return
				}
				answers[i].res, answers[i].err = opts.Resolver.Resolve(ctx, s.lookup, p.Doc.Path)
			}()
		}
		wg.Wait()
	}
	for i, s := range sites {
		subject := fmt.Sprintf("%s `%s`%s", s.what, s.image, s.note)
		if s.lookup == "" {
			p.Report(Diagnostic{Start: s.start, End: s.end, Message: subject + " " + s.reason,
				Help: "dfix pins literal image references only"})
			continue
		}
		a := answers[i]
		if s.digest != "" {
			if opts.Resolver == nil || !opts.Update || !s.hasTag {
				continue
			}
			if a.err != nil {
				p.Report(Diagnostic{Start: s.start, End: s.end,
					Message: fmt.Sprintf("%s `%s`%s: cannot check whether the tag moved: %v", s.what, s.image[:s.nameEnd-s.start], s.note, a.err),
					Help:    "the digest is left as it is"})
				continue
			}
			if a.res.Digest == s.digest {
				continue
			}
			p.Report(Diagnostic{Start: s.start, End: s.end,
				Message: fmt.Sprintf("%s `%s`%s is pinned to %s, but the tag now points to %s%s", s.what, s.image[:s.nameEnd-s.start], s.note,
					shortDigest(s.digest), shortDigest(a.res.Digest), platformNote(a.res)),
				Fix: &Fix{Title: "Update the digest to " + shortDigest(a.res.Digest) + sourceNote(a.res), Applicability: Safe,
					Edits: []rewrite.Edit{{Start: s.digestStart, End: s.end, New: a.res.Digest}}}})
			continue
		}
		msg := subject + " is not pinned to a digest"
		insert := "@"
		if !s.hasTag {
			msg = fmt.Sprintf("%s has no tag (it means %s) and is not pinned to a digest", subject, s.lookup)
			insert = ":latest@"
		}
		d := Diagnostic{Start: s.start, End: s.end, Message: msg}
		switch {
		case opts.Resolver == nil:
			d.Fix = &Fix{Title: "Pin " + s.lookup + " to its digest", Applicability: DisplayOnly}
			d.Help = "run dfix with --pin to look the digest up"
		case a.err != nil:
			d.Message = fmt.Sprintf("%s; cannot pin it: %v", msg, a.err)
			d.Help = "left as it is"
			var h interface{ Help() string }
			if errors.As(a.err, &h) {
				d.Help = h.Help()
			}
		default:
			title := "Pin to " + shortDigest(a.res.Digest)
			if !s.hasTag {
				title = "Pin as " + s.lookup + "@" + shortDigest(a.res.Digest)
			}
			d.Fix = &Fix{Title: title + platformNote(a.res) + sourceNote(a.res), Applicability: Safe,
				Edits: []rewrite.Edit{{Start: s.nameEnd, End: s.nameEnd, New: insert + a.res.Digest}}}
		}
		p.Report(d)
	}
}

func platformNote(r PinResult) string {
	if r.Platform != "" {
		return " (the " + r.Platform + " manifest, not the multi-platform index)"
	}
	return ""
}

func sourceNote(r PinResult) string {
	if r.FromLock {
		return " (from the lock file)"
	}
	return ""
}
