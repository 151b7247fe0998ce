package deepdiff

import (
	"strings"
	"testing"
)

type node struct {
	Name     string
	Kids     []*node
	Attrs    map[string]bool
	hidden   int
	Optional *int
}

func TestDiff(t *testing.T) {
	one := 1
	tests := []struct {
		name string
		a, b any
		want string // a substring of the difference; "" when equal
	}{
		{"equal trees are equal", &node{Name: "a", Kids: []*node{{Name: "b"}}}, &node{Name: "a", Kids: []*node{{Name: "b"}}}, ""},
		{"a differing string is named by its path", &node{Kids: []*node{{Name: "b"}}}, &node{Kids: []*node{{Name: "c"}}}, `.Kids[0].Name: "b" != "c"`},
		{"a nil slice differs from an empty one", &node{Kids: nil}, &node{Kids: []*node{}}, ".Kids: nil != non-nil"},
		{"a nil map differs from an empty one", node{}, node{Attrs: map[string]bool{}}, ".Attrs: nil != non-nil"},
		{"a differing map value is found", node{Attrs: map[string]bool{"x": true}}, node{Attrs: map[string]bool{"x": false}}, ".Attrs[x]: true != false"},
		{"unexported fields are compared", node{hidden: 1}, node{hidden: 2}, ".hidden: 1 != 2"},
		{"a nil pointer differs from a set one", node{}, node{Optional: &one}, ".Optional: nil on one side only"},
		{"slices of different length differ", []int{1}, []int{1, 2}, "length 1 != 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.a, tt.b)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("Diff = %q, want %q", got, tt.want)
			}
		})
	}
}
