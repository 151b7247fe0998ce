package fix

import "testing"

func TestExpandVars(t *testing.T) {
	vars := map[string]string{"A": "1", "DIR": "/app"}
	tests := []struct {
		in, dep, pkg string
	}{
		{"plain", "plain", "plain"},
		{"$A/x", "1/x", "1/x"},
		{"${DIR}/src", "/app/src", "/app/src"},
		{"$B", depUnknown, "$B"},
		{"${A:-2}", depUnknown, "1"},
		{"${A", depUnknown, "${A"},
		{"cost $", "cost $", "cost $"},
		{"a$/b", depUnknown, "a$/b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := depExpand(tt.in, vars); got != tt.dep {
				t.Errorf("depExpand: got %q, want %q", got, tt.dep)
			}
			if got := pkgExpand(tt.in, vars); got != tt.pkg {
				t.Errorf("pkgExpand: got %q, want %q", got, tt.pkg)
			}
		})
	}
}
