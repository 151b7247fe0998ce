package rewrite

import "testing"

func TestStyleOf(t *testing.T) {
	tests := []struct {
		name, src string
		want      Style
	}{
		{"leading && with four spaces", "FROM a\nRUN a \\\n    && b\n", Style{"    ", true}},
		{"trailing && with a tab", "FROM a\nRUN a && \\\n\tb\n", Style{"\t", false}},
		{"a package list before the && line", "FROM a\nRUN apk add \\\n\t\tgcc \\\n\t&& make\n", Style{"\t", true}},
		{"trailing ; as docker-library writes it", "FROM a\nRUN set -eux; \\\n\tapt-get update; \\\n\tmake\n", Style{"\t", false}},
		{"a comment line is not a style", "FROM a\nRUN a \\\n# c\n  && b\n", Style{"  ", true}},
		{"one line: the file's other RUNs", "FROM a\nRUN a\nRUN b \\\n  && c\n", Style{"  ", true}},
		{"nothing to go by: four spaces, leading", "FROM a\nRUN a\n", Style{"    ", true}},
		{"a package list takes the way other RUNs join commands", "FROM a\nRUN apt-get install \\\n  curl\nRUN a && \\\n    b\n", Style{"  ", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("Dockerfile", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if got := d.StyleOf(d.Instructions[1]); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestContinuationText(t *testing.T) {
	d, err := Parse("Dockerfile", []byte("# escape=`\r\nFROM a\r\nRUN a `\r\n\t&& b\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := d.Instructions[1]
	if got := d.ContinuationText(in, in.End-2, "&&", "c", true); got != " `\r\n\t&& c" {
		t.Errorf("new line: got %q", got)
	}
	if got := d.ContinuationText(in, in.End-2, "&&", "c", false); got != " && c" {
		t.Errorf("same line: got %q", got)
	}
}
