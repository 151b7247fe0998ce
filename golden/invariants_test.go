package golden

import (
	"strings"
	"testing"

	"github.com/dfix-dev/dfix/fix"
	"github.com/dfix-dev/dfix/rewrite"
)

func TestForeignEscape(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		edit   rewrite.Edit
		escape byte
		want   bool
	}{
		{"a backslash continuation in a backslash file", "FROM a\nRUN a\n", rewrite.Edit{Start: 12, End: 12, New: " \\\n  && b"}, '\\', false},
		{"a backtick continuation in a backslash file", "FROM a\nRUN a\n", rewrite.Edit{Start: 12, End: 12, New: " `\n  && b"}, '\\', true},
		{"a backslash continuation in a backtick file", "# escape=`\nFROM a\nRUN a\n", rewrite.Edit{Start: 23, End: 23, New: " \\\r\n  && b"}, '`', true},
		{"the escape alone inserted after a blank", "FROM a\nRUN a \n", rewrite.Edit{Start: 13, End: 13, New: "`\n  b"}, '\\', true},
		{"a backtick that was there before the edit", "FROM a `\nRUN a\n", rewrite.Edit{Start: 8, End: 8, New: "\nSHELL [\"sh\"]"}, '\\', false},
		{"a Windows path that is no continuation", "# escape=`\nFROM a\nRUN a\n", rewrite.Edit{Start: 23, End: 23, New: " C:\\\n"}, '`', false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := foreignEscape([]byte(tt.src), tt.edit, tt.escape); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestShapeChange(t *testing.T) {
	parse := func(s string) *rewrite.Document {
		d, err := rewrite.Parse("Dockerfile", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	merge := []fix.Diagnostic{{Fix: &fix.Fix{Instructions: map[string]int{"run": -1}}}}
	plain := []fix.Diagnostic{{Fix: &fix.Fix{}}}
	a := parse("FROM a\nRUN b\nRUN c\nCMD d\n")
	tests := []struct {
		name  string
		out   string
		fixed []fix.Diagnostic
		want  string // "" or a part of the message
	}{
		{"same instructions", "FROM a\nRUN b\nRUN c\nCMD [\"d\"]\n", plain, ""},
		{"a merge that declares it", "FROM a\nRUN b && c\nCMD d\n", merge, ""},
		{"a merge that does not declare it", "FROM a\nRUN b && c\nCMD d\n", plain, "no fix declares a change"},
		{"two stages glued together", "FROM a\nRUN b\nRUN cCMD d\n", merge, "cmd -1"},
		{"an instruction that appears", "FROM a\nWORKDIR /x\nRUN b && c\nCMD d\n", merge, "workdir +1"},
		{"a reorder", "FROM a\nRUN b\nCMD d\nRUN c\n", plain, "no fix declares a change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shapeChange(a, parse(tt.out), tt.fixed)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
