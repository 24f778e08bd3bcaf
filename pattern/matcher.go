package pattern

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Matcher holds event patterns under caller-chosen ids and matches events
// against all of them at once.
//
// Match is safe for concurrent use, also while Add and Remove run: readers
// use an immutable snapshot and never wait. Add and Remove serialize among
// themselves; each publishes a new snapshot when it returns.
type Matcher struct {
	snap atomic.Pointer[snapshot]
	// spare is one idle matchState, taken and returned with atomic swaps;
	// pool serves the goroutines that find it taken.
	spare atomic.Pointer[matchState]
	pool  sync.Pool
	mu    sync.Mutex
	state writerState // guarded by mu
}

// snapshot is what Match reads. New patterns go to a small delta segment,
// rebuilt on every change; the base segment is rebuilt, with everything,
// only when the delta or the replaced patterns in it grow large, which keeps
// changes cheap and matching independent of how the patterns arrived.
type snapshot struct {
	root   *pathNode
	npaths int
	base   *segment
	dead   []uint64 // base patterns removed or replaced since the base was built
	delta  *segment
}

type writerState struct {
	live     map[string]*compiled
	order    map[string]uint64 // insertion sequence, for deterministic rebuilds
	seq      uint64
	inBase   map[string]int32 // live ids whose current version is in the base
	inDelta  map[string]bool
	deadN    int
	baseSize int
	paths    map[string]int32
	snap     *snapshot
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher {
	m := &Matcher{}
	m.state = writerState{
		live:    map[string]*compiled{},
		order:   map[string]uint64{},
		inBase:  map[string]int32{},
		inDelta: map[string]bool{},
		paths:   map[string]int32{},
	}
	empty := &snapshot{root: &pathNode{id: -1}, base: &segment{}, delta: &segment{}}
	m.state.snap = empty
	m.snap.Store(empty)
	m.pool.New = func() any { return &matchState{} }
	return m
}

// Add stores pattern under id, replacing any pattern stored under it. It
// returns a *InvalidPatternError (or *PatternTooLongError) for a pattern
// EventBridge would refuse, and then changes nothing.
func (m *Matcher) Add(id string, pattern []byte) error {
	p, err := compile(string(pattern))
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	w := &m.state
	w.retire(id)
	w.live[id] = p
	w.seq++
	w.order[id] = w.seq
	w.inDelta[id] = true
	m.publish()
	return nil
}

// Remove deletes the pattern stored under id and reports whether there was one.
func (m *Matcher) Remove(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := &m.state
	if _, ok := w.live[id]; !ok {
		return false
	}
	w.retire(id)
	delete(w.live, id)
	delete(w.order, id)
	m.publish()
	return true
}

// retire takes the current version of id out of the segments.
func (w *writerState) retire(id string) {
	if i, ok := w.inBase[id]; ok {
		dead := slices.Clone(w.snap.dead)
		for len(dead) <= int(i)/64 {
			dead = append(dead, 0)
		}
		dead[i/64] |= 1 << (i % 64)
		w.snap = &snapshot{root: w.snap.root, npaths: w.snap.npaths, base: w.snap.base, dead: dead, delta: w.snap.delta}
		delete(w.inBase, id)
		w.deadN++
	}
	delete(w.inDelta, id)
}

// publish rebuilds what changed and makes it visible to Match.
func (m *Matcher) publish() {
	w := &m.state
	if len(w.inDelta) > 32+w.baseSize/4 || w.deadN > 32+w.baseSize/4 {
		w.rebuildAll()
	} else {
		w.rebuildDelta()
	}
	m.snap.Store(w.snap)
}

func (w *writerState) sortedIDs(set func(string) bool) []string {
	var ids []string
	for id := range w.live {
		if set(id) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		return int(w.order[a]) - int(w.order[b])
	})
	return ids
}

func (w *writerState) rebuildAll() {
	ids := w.sortedIDs(func(string) bool { return true })
	w.paths = map[string]int32{}
	pats := make([]*compiled, len(ids))
	for i, id := range ids {
		pats[i] = w.live[id]
		w.addPaths(pats[i])
	}
	root := buildTrie(w.paths)
	base := buildSegment(ids, pats, w.pathID, len(w.paths))
	w.inBase = make(map[string]int32, len(ids))
	for i, id := range ids {
		w.inBase[id] = int32(i)
	}
	w.inDelta = map[string]bool{}
	w.deadN = 0
	w.baseSize = len(ids)
	w.snap = &snapshot{root: root, npaths: len(w.paths), base: base, delta: &segment{}}
}

func (w *writerState) rebuildDelta() {
	ids := w.sortedIDs(func(id string) bool { return w.inDelta[id] })
	pats := make([]*compiled, len(ids))
	grew := false
	for i, id := range ids {
		pats[i] = w.live[id]
		grew = w.addPaths(pats[i]) || grew
	}
	root := w.snap.root
	if grew {
		root = buildTrie(w.paths)
	}
	delta := buildSegment(ids, pats, w.pathID, len(w.paths))
	w.snap = &snapshot{root: root, npaths: len(w.paths), base: w.snap.base, dead: w.snap.dead, delta: delta}
}

// addPaths gives every path of p an id and reports whether any was new.
func (w *writerState) addPaths(p *compiled) bool {
	grew := false
	for _, sub := range p.subs {
		for _, s := range sub {
			if _, ok := w.paths[s.path]; !ok {
				w.paths[s.path] = int32(len(w.paths))
				grew = true
			}
		}
	}
	return grew
}

func (w *writerState) pathID(p string) int32 { return w.paths[p] }

// buildTrie builds the path trie for the scanner.
func buildTrie(paths map[string]int32) *pathNode {
	root := &pathNode{id: -1}
	for p, id := range paths {
		n := root
		for _, seg := range strings.Split(p, ".") {
			i := n.child([]byte(seg))
			if i < 0 {
				i = len(n.children)
				n.children = append(n.children, pathEdge{name: seg, node: &pathNode{id: -1}})
			}
			n = n.children[i].node
		}
		n.id = id
	}
	var finish func(n *pathNode)
	finish = func(n *pathNode) {
		if k := len(n.children); k > 0 && k <= 64 {
			n.allMask = ^uint64(0) >> (64 - k)
		}
		if len(n.children) > linearChildren {
			n.byName = make(map[string]int32, len(n.children))
			for i, e := range n.children {
				n.byName[e.name] = int32(i)
			}
		}
		for _, e := range n.children {
			finish(e.node)
		}
	}
	finish(root)
	return root
}

// Match returns the ids of the patterns that event matches, in no
// particular order (nil when none does). It returns an error wrapping
// ErrInvalidEvent when the event is not a JSON object. Events are read as
// EventBridge reads them: every value of a repeated key counts.
func (m *Matcher) Match(event []byte) ([]string, error) {
	snap := m.snap.Load()
	st := m.spare.Swap(nil)
	if st == nil {
		st = m.pool.Get().(*matchState)
	}
	ids, err := st.match(snap, event)
	st.ev = nil // do not keep the caller's event alive
	if !m.spare.CompareAndSwap(nil, st) {
		m.pool.Put(st)
	}
	return ids, err
}

// matchState is the scratch memory of one Match call.
type matchState struct {
	scanState
	heads []int32 // first field per path id
	refs  []anchorRef
	seen  []uint32 // per sub: epoch when last tried
	hit   []uint32 // per pattern: epoch when matched
	epoch uint32
	pick  []int32   // chosen field per slot during verification
	found []*string // ids of matched patterns, before the result is copied out
}

func (st *matchState) match(snap *snapshot, event []byte) ([]string, error) {
	st.reset(event)
	if err := st.scan(snap.root); err != nil {
		return nil, err
	}
	if len(st.fields) == 0 && len(snap.base.always) == 0 && len(snap.delta.always) == 0 {
		return nil, nil
	}
	// Link the fields of each path, in event order.
	if cap(st.heads) < snap.npaths {
		st.heads = make([]int32, snap.npaths)
	}
	st.heads = st.heads[:snap.npaths]
	for i := range st.heads {
		st.heads[i] = -1
	}
	for i := len(st.fields) - 1; i >= 0; i-- {
		f := &st.fields[i]
		f.next = st.heads[f.path]
		st.heads[f.path] = int32(i)
	}
	st.found = st.run(snap.base, snap.dead, st.found[:0])
	st.found = st.run(snap.delta, nil, st.found)
	if len(st.found) == 0 {
		return nil, nil
	}
	out := make([]string, len(st.found))
	for i, id := range st.found {
		out[i] = *id
	}
	return out, nil
}

// run finds the patterns of seg that match the scanned event.
func (st *matchState) run(seg *segment, dead []uint64, out []*string) []*string {
	if len(seg.subs) == 0 {
		return out
	}
	st.epoch++
	if st.epoch == 0 { // wrapped: forget old marks
		clear(st.seen)
		clear(st.hit)
		st.epoch = 1
	}
	if len(st.seen) < len(seg.subs) {
		st.seen = make([]uint32, len(seg.subs))
	}
	if len(st.hit) < len(seg.ids) {
		st.hit = make([]uint32, len(seg.ids))
	}
	ep := st.epoch
	n := min(len(seg.anchors), len(st.heads))
	for p := 0; p < n; p++ {
		a := seg.anchors[p]
		if a == nil || st.heads[p] < 0 {
			continue
		}
		// Subs anchored on the mere presence of a value: once per path.
		for _, r := range a.present {
			out = st.try(seg, dead, r.sub(), false, ep, out)
		}
		if !a.byValue {
			continue
		}
		for fi := st.heads[p]; fi >= 0; fi = st.fields[fi].next {
			st.refs = a.lookup(&st.fields[fi].val, &st.evalCtx, st.refs[:0])
			for _, r := range st.refs {
				out = st.try(seg, dead, r.sub(), r.exact(), ep, out)
			}
		}
	}
	for _, si := range seg.always {
		out = st.try(seg, dead, si, false, ep, out)
	}
	return out
}

// try decides sub si of seg once per event.
func (st *matchState) try(seg *segment, dead []uint64, si int32, exact bool, ep uint32, out []*string) []*string {
	sub := &seg.subs[si]
	if st.hit[sub.pat] == ep || st.seen[si] == ep {
		return out
	}
	st.seen[si] = ep
	if dead != nil && int(sub.pat)/64 < len(dead) && dead[sub.pat/64]&(1<<(sub.pat%64)) != 0 {
		return out
	}
	if exact && sub.direct || st.verify(sub) {
		st.hit[sub.pat] = ep
		out = append(out, &seg.ids[sub.pat])
	}
	return out
}

// verify decides whether the event satisfies every slot of sub. Slots are
// taken in path order; fields chosen for them must come from the same
// elements of any object arrays they share, and a slot asking for absence
// holds when no value at its path agrees with the fields chosen before it
// (EventBridge's order-dependent rule).
func (st *matchState) verify(sub *segSub) bool {
	// Most events have no arrays on the paths involved: then any satisfying
	// field will do, and one pass decides.
	trailedSlots, search := 0, false
	for i := range sub.slots {
		s := &sub.slots[i]
		h := st.heads[s.path]
		if h < 0 {
			if !s.absentOK {
				return false
			}
			continue
		}
		found, trailed := false, false
		for fi := h; fi >= 0; fi = st.fields[fi].next {
			f := &st.fields[fi]
			if f.trailLen > 0 {
				trailed = true
			}
			if !found && s.holds(f, &st.evalCtx) {
				found = true
			}
		}
		if !found {
			if !s.absentOK || !trailed {
				// Nothing satisfies the slot, and the values present (which
				// agree with any choice unless they sit in arrays) rule out
				// absence.
				return false
			}
			search = true // absence may hold against the values picked before
		}
		if trailed {
			trailedSlots++
		}
	}
	// Values in arrays constrain each other only when two slots have them.
	if trailedSlots < 2 && !search {
		return true
	}
	if cap(st.pick) < len(sub.slots) {
		st.pick = make([]int32, len(sub.slots))
	}
	st.pick = st.pick[:len(sub.slots)]
	return st.assign(sub, 0)
}

// holds reports whether field f satisfies one of the slot's conditions.
func (s *segSlot) holds(f *field, ec *evalCtx) bool {
	for i := range s.conds {
		if s.conds[i].matches(&f.val, ec) {
			return true
		}
	}
	return false
}

// assign searches for consistent fields for slots k and after.
func (st *matchState) assign(sub *segSub, k int) bool {
	if k == len(sub.slots) {
		return true
	}
	s := &sub.slots[k]
	consistentSeen := false
	for fi := st.heads[s.path]; fi >= 0; fi = st.fields[fi].next {
		f := &st.fields[fi]
		if !st.consistent(sub, k, f) {
			continue
		}
		consistentSeen = true
		if s.holds(f, &st.evalCtx) {
			st.pick[k] = fi
			if st.assign(sub, k+1) {
				return true
			}
		}
	}
	if s.absentOK && !consistentSeen {
		st.pick[k] = -1
		return st.assign(sub, k+1)
	}
	return false
}

// consistent reports whether f agrees with the fields picked for slots
// before k: where two values lie in the same array, in the same element.
func (st *matchState) consistent(sub *segSub, k int, f *field) bool {
	if f.trailLen == 0 {
		return true
	}
	ft := st.trails[f.trailOff : f.trailOff+f.trailLen]
	for j := 0; j < k; j++ {
		pj := st.pick[j]
		if pj < 0 {
			continue
		}
		g := &st.fields[pj]
		gt := st.trails[g.trailOff : g.trailOff+g.trailLen]
		for a := 0; a+1 < len(ft) && a+1 < len(gt); a += 2 {
			if ft[a] != gt[a] {
				break // different arrays from here down
			}
			if ft[a+1] != gt[a+1] {
				return false
			}
		}
	}
	return true
}
