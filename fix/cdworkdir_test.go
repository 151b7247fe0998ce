package fix

import (
	"testing"

	"github.com/dfix-dev/dfix/rewrite"
)

// TestWorkdirBefore checks what cd-to-workdir knows of the working directory before
// the last instruction of each file: the WORKDIR it would write back after the RUN.
func TestWorkdirBefore(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want string // the directory, or "?" when unknown
	}{
		{"FROM debian\nRUN make\n", "?"},
		{"FROM scratch\nRUN make\n", "/"},
		{"FROM debian\nWORKDIR /app/\nRUN make\n", "/app"},
		{"FROM debian\nWORKDIR /srv\nWORKDIR app/../api\nRUN make\n", "/srv/api"},
		{"FROM debian\nWORKDIR app\nRUN make\n", "?"},
		{"FROM debian\nWORKDIR \"/opt/my app\"\nRUN make\n", "/opt/my app"}, // known, but not written back: not a plain path
		{"FROM debian\nENV D=/x\nWORKDIR $D\nRUN make\n", "?"},
		{"FROM debian\nWORKDIR /x/${D}\nRUN make\n", "?"},
		{"FROM debian\nWORKDIR /x\nWORKDIR /y/$D\nRUN make\n", "?"},
		{"FROM debian AS base\nWORKDIR /ws\nFROM base\nRUN make\n", "/ws"},
		{"FROM debian AS base\nWORKDIR /ws\nFROM base AS dev\nWORKDIR sub\nRUN make\n", "/ws/sub"},
		{"FROM debian AS base\nWORKDIR /ws\nFROM debian\nRUN make\n", "?"},
		{"FROM scratch AS base\nFROM base\nWORKDIR rel\nRUN make\n", "/rel"},
	} {
		doc, err := rewrite.Parse("Dockerfile", []byte(tc.src))
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		p := &Pass{Doc: doc, Facts: computeFacts(doc)}
		st := workdirBefore(p, doc.Instructions[len(doc.Instructions)-1])
		got := "?"
		if st.known {
			got = st.dir
		} else if st.why == "" {
			t.Errorf("%q: unknown without a reason", tc.src)
		}
		if got != tc.want {
			t.Errorf("%q: got %s, want %s (%s)", tc.src, got, tc.want, st.why)
		}
	}
}
