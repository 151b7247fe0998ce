package fix

import "strings"

// varRef is one $NAME or ${...} in a Dockerfile word.
type varRef struct {
	Inner    string // NAME, or what is between the braces (NAME:-default...)
	Raw      string // as written; for an unclosed ${, the rest of the word
	Unclosed bool
}

// expandVars replaces each variable reference of s with what fn returns for it. When
// fn says no, expansion stops and ok is false. An unclosed ${ ends the word.
func expandVars(s string, fn func(varRef) (string, bool)) (string, bool) {
	if !strings.Contains(s, "$") {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		var ref varRef
		if s[j] == '{' {
			end := strings.IndexByte(s[j:], '}')
			if end < 0 {
				v, ok := fn(varRef{Inner: s[j+1:], Raw: s[i:], Unclosed: true})
				b.WriteString(v)
				return b.String(), ok
			}
			ref = varRef{Inner: s[j+1 : j+end], Raw: s[i : j+end+1]}
			j += end + 1
		} else {
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			ref = varRef{Inner: s[i+1 : j], Raw: s[i:j]}
		}
		v, ok := fn(ref)
		if !ok {
			return "", false
		}
		b.WriteString(v)
		i = j - 1
	}
	return b.String(), true
}

// unquotePair removes one pair of matching quotes around a value.
func unquotePair(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}
