package transform

import "bytes"

// A query evaluates several paths in one pass over an event: the paths
// share a trie, and the walk descends only into members some path names,
// skipping (and checking) everything else. A transformer with many
// variables therefore still reads its event once.
type query struct {
	root node
	vars int // how many variables were added, to size the captures
}

type node struct {
	step     step
	children []*node
	vars     []int // the variables whose path ends here
}

// add registers path p as the source of variable v.
func (q *query) add(p *path, v int) {
	n := &q.root
	for _, st := range p.steps {
		var next *node
		for _, c := range n.children {
			if c.step == st {
				next = c
				break
			}
		}
		if next == nil {
			next = &node{step: st}
			n.children = append(n.children, next)
		}
		n = next
	}
	n.vars = append(n.vars, v)
	q.vars++
}

type span struct{ start, end int }

type capture struct {
	v int // -1 once superseded by a duplicate key
	span
}

// member is a top-level member of the event, kept for aws.events.event.
type member struct{ key, val span }

// result is what one walk found. Spans index into event.
type result struct {
	event []byte
	root  span
	caps  []capture // in document order, which is the order of a wildcard's matches
	top   []member  // only when asked for
}

type walker struct {
	s       scanner
	caps    []capture
	top     []member
	wantTop bool
	// next and seen are stacks shared by the levels of the walk, so that
	// reading a member allocates nothing: a level pushes its entries, hands
	// its part to the level below and pops them when done.
	next []*node   // the trie nodes a member leads to
	seen []entered // the members an object's paths entered
}

// run walks event once. wantTop also records the top-level members.
func (q *query) run(event []byte, wantTop bool) (result, error) {
	w := walker{
		s:       scanner{buf: event},
		wantTop: wantTop,
		caps:    make([]capture, 0, q.vars),
		next:    make([]*node, 0, 16),
		seen:    make([]entered, 0, 8),
	}
	w.s.ws()
	start := w.s.pos
	w.next = append(w.next, &q.root)
	if err := w.visit(w.next[:1], 0); err != nil {
		return result{}, err
	}
	if err := w.s.end(); err != nil {
		return result{}, err
	}
	return result{event: event, root: span{start, w.s.pos}, caps: w.caps, top: w.top}, nil
}

// visit reads the value at the scanner, on behalf of the trie nodes that
// reached it.
func (w *walker) visit(nodes []*node, depth int) error {
	start := w.s.pos
	kids := false
	for _, n := range nodes {
		if len(n.children) > 0 {
			kids = true
			break
		}
	}
	top := depth == 0 && w.wantTop
	var err error
	switch c := w.s.peek(); {
	case c == '{' && (kids || top):
		seen := len(w.seen)
		var index map[string]int
		err = w.s.object(depth, func(key span, escaped bool) error {
			vstart := w.s.pos
			raw := w.s.buf[key.start:key.end]
			mark := len(w.next)
			for _, n := range nodes {
				for _, ch := range n.children {
					if ch.step.kind == stepWildcard || ch.step.kind == stepMember && keyMatches(raw, escaped, ch.step.name) {
						w.next = append(w.next, ch)
					}
				}
			}
			var err error
			if len(w.next) == mark {
				err = w.s.value(depth + 1)
			} else {
				from := len(w.caps)
				err = w.visit(w.next[mark:], depth+1)
				w.next = w.next[:mark]
				index = w.enter(seen, index, entered{key: raw, escaped: escaped, from: from, to: len(w.caps)})
			}
			if err == nil && top {
				w.top = append(w.top, member{key: key, val: span{vstart, w.s.pos}})
			}
			return err
		})
		w.seen = w.seen[:seen]
	case c == '[' && kids:
		err = w.s.array(depth, func(i int) error {
			mark := len(w.next)
			for _, n := range nodes {
				for _, ch := range n.children {
					if ch.step.kind == stepWildcard || ch.step.kind == stepIndex && ch.step.index == i {
						w.next = append(w.next, ch)
					}
				}
			}
			if len(w.next) == mark {
				return w.s.value(depth + 1)
			}
			err := w.visit(w.next[mark:], depth+1)
			w.next = w.next[:mark]
			return err
		})
	default:
		err = w.s.value(depth)
	}
	if err != nil {
		return err
	}
	// Captured after the value is read, so a variable's matches (which all
	// sit at the same depth) are appended in document order.
	for _, n := range nodes {
		for _, v := range n.vars {
			w.caps = append(w.caps, capture{v: v, span: span{start, w.s.pos}})
		}
	}
	return nil
}

// entered is an object member that some path went into.
type entered struct {
	key      []byte // raw, with quotes
	escaped  bool   // key holds escapes
	from, to int    // its captures: w.caps[from:to]
}

// indexAfter is how many entered members an object may have before they
// are looked up through a map rather than compared one by one.
const indexAfter = 16

// enter records member e of the object whose entries start at w.seen[base]:
// a member entered before under the same key (a duplicate key replaces
// the whole earlier value, as in a parsed tree) loses its captures, which
// are marked dead rather than removed so that every recorded range stays
// valid. index, once the object is wide, maps decoded keys to entries.
func (w *walker) enter(base int, index map[string]int, e entered) map[string]int {
	if index == nil {
		for j := base; j < len(w.seen); j++ {
			if old := w.seen[j]; string(old.key) == string(e.key) || (old.escaped || e.escaped) && sameKey(old.key, e.key) {
				w.kill(w.seen[j])
				w.seen[j] = e
				return nil
			}
		}
		w.seen = append(w.seen, e)
		if len(w.seen)-base <= indexAfter {
			return nil
		}
		index = make(map[string]int, 2*(len(w.seen)-base))
		for j := base; j < len(w.seen); j++ {
			index[string(appendUnquoted(nil, w.seen[j].key))] = j
		}
		return index
	}
	k := string(appendUnquoted(nil, e.key))
	if j, ok := index[k]; ok {
		w.kill(w.seen[j])
		w.seen[j] = e
		return index
	}
	index[k] = len(w.seen)
	w.seen = append(w.seen, e)
	return index
}

func (w *walker) kill(e entered) {
	for i := e.from; i < e.to; i++ {
		w.caps[i].v = -1
	}
}

// sameKey compares two raw keys as decoded strings.
func sameKey(a, b []byte) bool {
	return string(appendUnquoted(nil, a)) == string(appendUnquoted(nil, b))
}

// keyMatches compares a raw key (with its quotes) with a path member name;
// escaped says whether the key holds escapes, known from the scan.
func keyMatches(raw []byte, escaped bool, name string) bool {
	if !escaped {
		return len(raw)-2 == len(name) && string(raw[1:len(raw)-1]) == name
	}
	return string(appendUnquoted(nil, raw)) == name
}

// keyIs compares a raw key (with its quotes) with a name, when whether the
// key holds escapes is not known.
func keyIs(raw []byte, name string) bool {
	return keyMatches(raw, bytes.IndexByte(raw, '\\') >= 0, name)
}

// value renders variable v's value as compact JSON appended to dst. A path
// with a wildcard gives the array of its matches; one without gives its
// last match (duplicate keys: the last wins, as in EventBridge's parser).
// ok is false when a path without wildcards matched nothing.
func (r *result) value(v int, wild bool, dst []byte) ([]byte, bool) {
	if wild {
		dst = append(dst, '[')
		n := 0
		for _, c := range r.caps {
			if c.v == v {
				if n > 0 {
					dst = append(dst, ',')
				}
				dst = appendCompact(dst, r.event[c.start:c.end])
				n++
			}
		}
		return append(dst, ']'), true
	}
	raw, ok := r.last(v)
	if !ok {
		return dst, false
	}
	return appendCompact(dst, raw), true
}

// last returns the raw text of variable v's last match.
func (r *result) last(v int) ([]byte, bool) {
	for i := len(r.caps) - 1; i >= 0; i-- {
		if c := r.caps[i]; c.v == v {
			return r.event[c.start:c.end], true
		}
	}
	return nil, false
}
