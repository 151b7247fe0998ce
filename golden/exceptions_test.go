package golden

import (
	"os"
	"strings"
	"testing"
)

// The oracle tests (hadolint, PARFUM, BuildKit) list dfix's deliberate differences in
// files of KEY<tab>REASON lines under testdata/; this reads them.

// parseExceptionFile reads KEY<tab>REASON lines; # starts a comment.
func parseExceptionFile(t *testing.T, path string) map[string]string {
	t.Helper()
	ex := map[string]string{}
	b, err := readFileIfExists(path)
	if err != nil {
		t.Fatal(err)
	}
	for n, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Fatalf("%s:%d: want KEY<tab>REASON", path, n+1)
		}
		ex[key] = reason
	}
	return ex
}

func readFileIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	return b, err
}
