package shell

import "mvdan.cc/sh/v3/syntax"

// Leaf is one command of an && / || list, and the operator that follows it.
type Leaf struct {
	Stmt *syntax.Stmt
	// Next is syntax.AndStmt or syntax.OrStmt when that operator follows the command,
	// 0 after the last command of the list.
	Next syntax.BinCmdOperator
}

// Leaves returns the commands of the && / || list st, left to right, each with the
// operator after it: st itself when it is not such a list. Pipelines, groups and
// subshells are leaves. whole is false when st, or a list inside it, is negated, run
// in the background or as a coprocess, or redirected: that then applies to several
// leaves together, and none of them is a command of its own.
func Leaves(st *syntax.Stmt) (leaves []Leaf, whole bool) {
	whole = walkList(st, 0, func(l Leaf) { leaves = append(leaves, l) })
	return leaves, whole
}

// ListLeaves calls fn for each command of the && / || list st, left to right: st itself
// when it is not such a list. Pipelines, groups and subshells are leaves.
func ListLeaves(st *syntax.Stmt, fn func(*syntax.Stmt)) {
	walkList(st, 0, func(l Leaf) { fn(l.Stmt) })
}

// walkList calls fn for each leaf of the list st, which next follows, and reports
// whether no list on the way is negated, backgrounded or redirected (see Leaves).
func walkList(st *syntax.Stmt, next syntax.BinCmdOperator, fn func(Leaf)) bool {
	b, ok := st.Cmd.(*syntax.BinaryCmd)
	if !ok || b.Op != syntax.AndStmt && b.Op != syntax.OrStmt {
		fn(Leaf{Stmt: st, Next: next})
		return true
	}
	whole := !st.Negated && !st.Background && !st.Coprocess && len(st.Redirs) == 0
	whole = walkList(b.X, b.Op, fn) && whole
	return walkList(b.Y, next, fn) && whole
}
