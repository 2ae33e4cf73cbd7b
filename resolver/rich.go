package resolver

import (
	"fmt"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
)

// RichOp is the kind of a node of a rich (boolean) dependency.
type RichOp uint8

// The node kinds. Operands are in Rich.Args, in the order they are written.
const (
	RichLeaf       RichOp = iota // name [op evr]; no Args
	RichAnd                      // A and B [and C...]
	RichOr                       // A or B [or C...]
	RichIf                       // A if B
	RichIfElse                   // A if B else C
	RichUnless                   // A unless B
	RichUnlessElse               // A unless B else C
	RichWith                     // A with B [with C...]
	RichWithout                  // A without B
)

// Rich is a parsed rich dependency such as "(foo >= 1.2 if (bar or baz))".
type Rich struct {
	Kind RichOp
	// Name, Op and EVR are a leaf's dependency ("name", or "name op evr").
	// As in libsolv, a leading "0:" epoch is dropped from EVR.
	Name string
	Op   repomd.Op
	EVR  string
	// Args are the operands of any other kind: for if/unless the
	// consequence A, the condition B and, with else, the alternative C.
	Args []*Rich
}

// RichError is a rich dependency that rpm would reject.
type RichError struct {
	Dep string // the whole dependency text
	Pos int    // byte offset in Dep where the problem was found
	Msg string
}

func (e *RichError) Error() string {
	return fmt.Sprintf("rich dependency %q: %s at byte %d", e.Dep, e.Msg, e.Pos)
}

// maxRichDepth bounds nesting so that hostile input cannot exhaust the
// stack; real dependencies nest a handful of levels.
const maxRichDepth = 200

// ParseRich parses a rich dependency with rpm's grammar (lib/rpmds.c,
// rpmrichParse): a parenthesised list of operands separated by and, or, if,
// unless, else, with or without. An operand is a nested rich dependency or
// "name [op evr]" with op one of < <= =< = == >= => >. Whitespace and commas
// separate tokens; a name may hold balanced parentheses ("kernel(x)").
// As in rpm, only and/or/with chain ("(A and B and C)"), different ops never
// mix without parentheses, else follows only if/unless, and with/without
// operands may not contain and/if/unless. "(A)" is the leaf A.
//
// The tree is normalised as libsolv's pool_parserpmrichdep normalises it:
// nested and/or/with of the same kind join one chain ("(a and (b and c))"
// has the three operands a, b, c) and a "0:" epoch is dropped from EVRs.
//
// Unlike rpm, ParseRich also rejects "(A else B)" with no if/unless (rpm's
// parser lets it through, but nothing can evaluate it) and nesting deeper
// than 200 levels.
func ParseRich(s string) (*Rich, error) {
	p := richParser{s: s}
	r, _, err := p.parse(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(s) {
		return nil, p.errorf("junk after rich dependency")
	}
	return r, nil
}

type richParser struct {
	s   string
	pos int
}

func (p *richParser) errorf(format string, args ...any) *RichError {
	return &RichError{Dep: p.s, Pos: p.pos, Msg: fmt.Sprintf(format, args...)}
}

// richWords maps the operator words to the node kinds they start; else is
// handled by the parser.
var richWords = map[string]RichOp{
	"and":     RichAnd,
	"or":      RichOr,
	"if":      RichIf,
	"unless":  RichUnless,
	"with":    RichWith,
	"without": RichWithout,
}

// parse reads one parenthesised expression starting at p.pos. Besides the
// tree it reports whether the expression holds an and/if/unless node at any
// depth, which rpm forbids inside with/without.
func (p *richParser) parse(depth int) (*Rich, bool, error) {
	if depth >= maxRichDepth {
		return nil, false, p.errorf("nested too deeply")
	}
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return nil, false, p.errorf("rich dependency does not start with '('")
	}
	open := p.pos
	p.pos++
	var (
		args   []*Rich
		first  string // the first operator word
		chain  string // the last operator word, awaiting or past its operand
		noWith bool
	)
	for {
		arg, argNoWith, err := p.parseOperand(depth, chain)
		if err != nil {
			return nil, false, err
		}
		noWith = noWith || argNoWith
		args = append(args, arg)

		p.skipWhite()
		if p.pos == len(p.s) {
			return nil, false, p.errorf("unterminated rich dependency")
		}
		if p.s[p.pos] == ')' {
			p.pos++
			break
		}
		if first, chain, err = p.parseOperator(first, chain); err != nil {
			return nil, false, err
		}
	}
	return p.node(open, richWords[first], args, noWith)
}

// parseOperand reads one operand: a nested expression or a leaf. chain is
// the operator word before it, if any.
func (p *richParser) parseOperand(depth int, chain string) (*Rich, bool, error) {
	p.skipWhite()
	if p.pos == len(p.s) {
		return nil, false, p.errorf("unterminated rich dependency")
	}
	switch p.s[p.pos] {
	case ')':
		if chain != "" {
			return nil, false, p.errorf("missing argument to rich dependency op")
		}
		return nil, false, p.errorf("empty rich dependency")
	case '(':
		return p.parse(depth + 1)
	}
	leaf, err := p.parseLeaf()
	return leaf, false, err
}

// parseOperator reads the operator word after an operand and checks it
// against the words before (rpm's rules of rpmrichParseInternal, in rpm's
// order). It returns the updated first and last words.
func (p *richParser) parseOperator(first, chain string) (string, string, error) {
	start := p.pos
	for p.pos < len(p.s) && !isRPMSpace(p.s[p.pos]) && p.s[p.pos] != ')' {
		p.pos++
	}
	word := p.s[start:p.pos]
	p.pos = start // errors point at the operator
	if _, ok := richWords[word]; !ok && word != "else" {
		return "", "", p.errorf("unknown rich dependency op %q", word)
	}
	if first == "" {
		first = word
	}
	if word == "else" && (chain == "if" || chain == "unless") {
		chain = ""
	}
	if chain != "" && word != chain {
		return "", "", p.errorf("cannot chain different ops")
	}
	if chain != "" && word != "and" && word != "or" && word != "with" {
		return "", "", p.errorf("can only chain and/or/with ops")
	}
	if first == "else" {
		return "", "", p.errorf("'else' without 'if' or 'unless'")
	}
	p.pos += len(word)
	return first, word, nil
}

// node builds the expression of kind over args (one operand is itself),
// reporting, as parse does, whether it holds an and/if/unless node.
func (p *richParser) node(open int, kind RichOp, args []*Rich, noWith bool) (*Rich, bool, error) {
	if len(args) == 3 && kind == RichIf {
		kind = RichIfElse
	} else if len(args) == 3 && kind == RichUnless {
		kind = RichUnlessElse
	}
	if len(args) == 1 {
		return args[0], noWith, nil
	}
	if (kind == RichWith || kind == RichWithout) && noWith {
		p.pos = open
		return nil, false, p.errorf("illegal ops in with/without")
	}
	switch kind {
	case RichAnd, RichIf, RichIfElse, RichUnless, RichUnlessElse:
		noWith = true
	}
	if kind == RichAnd || kind == RichOr || kind == RichWith {
		args = flatten(kind, args)
	}
	return &Rich{Kind: kind, Args: args}, noWith, nil
}

// flatten splices operands of the same chaining kind into one chain:
// "(a and (b and c))" is "(a and b and c)", as libsolv prints both.
func flatten(kind RichOp, args []*Rich) []*Rich {
	for _, a := range args {
		if a.Kind == kind {
			var out []*Rich
			for _, a := range args {
				if a.Kind == kind {
					out = append(out, a.Args...)
				} else {
					out = append(out, a)
				}
			}
			return out
		}
	}
	return args
}

// parseLeaf reads "name [op evr]" as rpm's parseSimpleDep does: a token
// after the name that is not a comparison is left for the caller.
func (p *richParser) parseLeaf() (*Rich, error) {
	leaf := &Rich{Kind: RichLeaf, Name: p.token()}
	p.skipWhite()
	save := p.pos
	if op, ok := parseCmp(p.token()); ok {
		p.skipWhite()
		evrPos := p.pos
		evr := p.token()
		if evr == "" {
			p.pos = evrPos
			return nil, p.errorf("version required")
		}
		// libsolv drops a zero epoch here, so dnf prints "foo >= 1.0" for
		// "foo >= 0:1.0"; Matches reads both alike.
		if len(evr) > 2 && evr[0] == '0' && evr[1] == ':' {
			evr = evr[2:]
		}
		leaf.Op, leaf.EVR = op, evr
		return leaf, nil
	}
	p.pos = save
	return leaf, nil
}

// token reads up to whitespace, a comma, or a ')' that closes nothing
// opened inside the token (rpm's SKIPNONWHITEX).
func (p *richParser) token() string {
	start, depth := p.pos, 0
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if isRPMSpace(c) || c == ',' {
			break
		}
		if c == ')' {
			if depth <= 0 {
				break
			}
			depth--
		} else if c == '(' {
			depth++
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

// skipWhite skips whitespace and commas (rpm's SKIPWHITE).
func (p *richParser) skipWhite() {
	for p.pos < len(p.s) && (isRPMSpace(p.s[p.pos]) || p.s[p.pos] == ',') {
		p.pos++
	}
}

func isRPMSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// parseCmp maps rpm's comparison tokens (rpmParseDSFlags) to an Op.
func parseCmp(tok string) (repomd.Op, bool) {
	switch tok {
	case "<":
		return repomd.OpLT, true
	case "<=", "=<":
		return repomd.OpLE, true
	case "=", "==":
		return repomd.OpEQ, true
	case ">=", "=>":
		return repomd.OpGE, true
	case ">":
		return repomd.OpGT, true
	}
	return repomd.OpNone, false
}

// String returns the canonical text, which is what dnf prints for the
// dependency (libsolv's pool_dep2str): operands separated by single spaces,
// every non-leaf operand in parentheses, comparisons as "<", "<=", "=",
// ">=", ">". Two cases differ from libsolv so that ParseRich always reads
// back an equal tree: a leaf on its own is written "(name op evr)" where
// dnf prints "name op evr", and a without nested in a without keeps its
// parentheses where libsolv drops them.
func (r *Rich) String() string {
	var b strings.Builder
	if r.Kind == RichLeaf {
		b.WriteByte('(')
		r.write(&b)
		closeAfter(&b, r)
		return b.String()
	}
	r.write(&b)
	return b.String()
}

// closeAfter writes the ')' that follows operand last. A name or EVR with an
// unclosed '(' (rpm accepts "foo(") would swallow a ')' written right after
// it, so a space goes between them.
func closeAfter(b *strings.Builder, last *Rich) {
	if last.Kind == RichLeaf {
		tok := last.Name
		if last.Op != repomd.OpNone {
			tok = last.EVR
		}
		if strings.Count(tok, "(") > strings.Count(tok, ")") {
			b.WriteByte(' ')
		}
	}
	b.WriteByte(')')
}

func (r *Rich) write(b *strings.Builder) {
	if r.Kind == RichLeaf {
		b.WriteString(r.Name)
		if r.Op != repomd.OpNone {
			b.WriteByte(' ')
			b.WriteString(r.Op.String())
			b.WriteByte(' ')
			b.WriteString(r.EVR)
		}
		return
	}
	b.WriteByte('(')
	for i, a := range r.Args {
		if i > 0 {
			b.WriteByte(' ')
			b.WriteString(r.word(i))
			b.WriteByte(' ')
		}
		a.write(b)
	}
	closeAfter(b, r.Args[len(r.Args)-1])
}

// word is the operator written before operand i (i >= 1).
func (r *Rich) word(i int) string {
	switch r.Kind {
	case RichAnd:
		return "and"
	case RichOr:
		return "or"
	case RichIf, RichIfElse:
		if i == 2 {
			return "else"
		}
		return "if"
	case RichUnless, RichUnlessElse:
		if i == 2 {
			return "else"
		}
		return "unless"
	case RichWith:
		return "with"
	case RichWithout:
		return "without"
	}
	return "?"
}

// LeafProviders returns the providers of a leaf dependency as sorted,
// distinct package indices. Callers may share the slices: Rich never
// modifies them.
type LeafProviders func(name string, op repomd.Op, evr string) []int32

// Satisfied evaluates the dependency as logic with every package prov knows
// taken as installed (libsolv's solver_dep_fulfilled_cplx on that set, as
// rpm judges an installed system): a leaf is true when it has a provider; and/or are logic; "A if B" is A or not B; "A unless B" is A
// and not B; "A if B else C" is (B and A) or (not B and C); "A unless B else
// C" is (not B and A) or (B and C); "A with B" holds when one package
// provides both, "A without B" when a package provides A and not B (both
// judged by ProvidersDNF4, as libsolv judges them by whatprovides).
func (r *Rich) Satisfied(prov LeafProviders) bool {
	switch r.Kind {
	case RichLeaf:
		return len(prov(r.Name, r.Op, r.EVR)) > 0
	case RichAnd:
		for _, a := range r.Args {
			if !a.Satisfied(prov) {
				return false
			}
		}
		return true
	case RichOr:
		for _, a := range r.Args {
			if a.Satisfied(prov) {
				return true
			}
		}
		return false
	case RichIf:
		return r.Args[0].Satisfied(prov) || !r.Args[1].Satisfied(prov)
	case RichIfElse:
		if r.Args[1].Satisfied(prov) {
			return r.Args[0].Satisfied(prov)
		}
		return r.Args[2].Satisfied(prov)
	case RichUnless:
		return r.Args[0].Satisfied(prov) && !r.Args[1].Satisfied(prov)
	case RichUnlessElse:
		if !r.Args[1].Satisfied(prov) {
			return r.Args[0].Satisfied(prov)
		}
		return r.Args[2].Satisfied(prov)
	}
	return len(r.ProvidersDNF4(prov)) > 0
}

// ProvidersDNF4 returns, sorted, the packages libsolv's pool_whatprovides
// gives for the dependency (pool_addrelproviders), which is all dnf4's
// repoclosure looks at: the dependency is unresolved when this is empty.
// and/or take the union of their operands' providers; if/unless take the
// providers of A, plus those of C with else (the condition is assumed true);
// with takes the intersection, without the providers of A minus those of B.
// A leaf gives prov's answer.
func (r *Rich) ProvidersDNF4(prov LeafProviders) []int32 {
	switch r.Kind {
	case RichLeaf:
		return prov(r.Name, r.Op, r.EVR)
	case RichAnd, RichOr:
		out := r.Args[0].ProvidersDNF4(prov)
		for _, a := range r.Args[1:] {
			out = unionSorted(out, a.ProvidersDNF4(prov))
		}
		return out
	case RichIf, RichUnless:
		return r.Args[0].ProvidersDNF4(prov)
	case RichIfElse, RichUnlessElse:
		return unionSorted(r.Args[0].ProvidersDNF4(prov), r.Args[2].ProvidersDNF4(prov))
	case RichWith:
		out := r.Args[0].ProvidersDNF4(prov)
		for _, a := range r.Args[1:] {
			if len(out) == 0 {
				break
			}
			out = intersectSorted(out, a.ProvidersDNF4(prov))
		}
		return out
	case RichWithout:
		return subtractSorted(r.Args[0].ProvidersDNF4(prov), r.Args[1].ProvidersDNF4(prov))
	}
	return nil
}

// unionSorted merges two sorted sets. It returns one of its arguments
// unchanged when the other is empty, so callers must not modify the result.
func unionSorted(a, b []int32) []int32 {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func intersectSorted(a, b []int32) []int32 {
	var out []int32
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

func subtractSorted(a, b []int32) []int32 {
	if len(b) == 0 {
		return a
	}
	var out []int32
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			out = append(out, x)
		}
	}
	return out
}
