package shell

import "mvdan.cc/sh/v3/syntax"

// Trees hands the trees of shell texts parsed in one fix round of a file to the next:
// a round changes a few RUNs, and the others' texts are parsed again only if no tree
// is kept for them. A tree depends only on its text and grammar, and nothing changes a
// tree once it is parsed, so two rounds' scripts may share one (one script a round).
type Trees struct {
	earlier map[treeKey]tree // kept by the round before: taken, not parsed
	now     map[treeKey]tree // kept by this round (Keep)
}

// tree is a parsed text and what a walk of it found (the walk too is done once).
type tree struct {
	file *syntax.File
	idx  *commandIndex
}

type treeKey struct {
	text string
	lang syntax.LangVariant
}

// Next returns the Trees of the next round: it takes the trees this one kept. The
// trees of earlier rounds are let go. Next of nil is a first round's.
func (t *Trees) Next() *Trees {
	if t == nil {
		return &Trees{}
	}
	return &Trees{earlier: t.now}
}

// Keep keeps the tree of s for the next round.
func (t *Trees) Keep(s *Script) {
	if t == nil {
		return
	}
	if t.now == nil {
		t.now = map[treeKey]tree{}
	}
	if s.idx == nil {
		s.idx = &commandIndex{} // shared from now on: the walk fills it once
	}
	t.now[treeKey{s.Text, s.lang}] = tree{s.File, s.idx}
}

// parse returns the tree of text in the grammar v, with what a walk of it found: the
// ones the round before kept, or a new parse (and a nil index).
func (t *Trees) parse(text string, v syntax.LangVariant) (*syntax.File, *commandIndex, error) {
	if t != nil {
		key := treeKey{text, v}
		if tr, ok := t.earlier[key]; ok {
			// Taken once: two RUNs of the same text in a round get trees of their own,
			// as in a first round (rules may key maps by node across scripts).
			delete(t.earlier, key)
			return tr.file, tr.idx, nil
		}
	}
	f, err := parseText(text, v)
	return f, nil, err
}
