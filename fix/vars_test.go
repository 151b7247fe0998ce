package fix

import "testing"

func TestExpandVars(t *testing.T) {
	vars := Vars{"A": {Value: "1"}, "DIR": {Value: "/app"}}
	tests := []struct {
		in, dep string
	}{
		{"plain", "plain"},
		{"$A/x", "1/x"},
		{"${DIR}/src", "/app/src"},
		{"$B", depUnknown},
		{"${A:-2}", depUnknown},
		{"${A", depUnknown},
		{"cost $", "cost $"},
		{"a$/b", depUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := depExpand(tt.in, vars); got != tt.dep {
				t.Errorf("depExpand: got %q, want %q", got, tt.dep)
			}
		})
	}
}
