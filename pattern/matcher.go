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

// snapshot is what Match reads. Patterns live in three levels, each an
// indexed segment: fresh holds the latest few and is rebuilt on every
// change; full fresh levels merge into mid, and mid into base once it grows
// to half of it. A change thus costs little, the total work of adding n
// patterns stays near-linear, and matching reads three segments whatever
// their history. Removed or replaced patterns stay in their segment, marked
// dead, until it is rebuilt.
type snapshot struct {
	root *pathNode
	// lazyRoot holds only the paths that subs are anchored on, and those
	// of subs tried on every event; nil when that is every path. Values
	// that serve only to verify a sub whose anchor held are not worth
	// reading for every event (the y of coordinates when only x anchors).
	lazyRoot *pathNode
	npaths   int
	decode   []bool // by path id: some segment looks numbers there up by value
	levels   [numLevels]levelView
	gen      uint64 // numbers the snapshots of a Matcher
}

const (
	levelBase = iota
	levelMid
	levelFresh
	numLevels
)

// freshMax is how many patterns the fresh level holds before it merges.
const freshMax = 64

type levelView struct {
	seg  *segment
	dead []uint64 // local pattern indexes no longer current
	// full marks the subs that read a path lazyRoot lacks.
	full []bool
}

type levelState struct {
	ids   []string         // local index → id, in insertion order
	pos   map[string]int32 // id → local index, for the current versions
	dead  []uint64
	ndead int
	seg   *segment
}

func (l *levelState) live() int { return len(l.ids) - l.ndead }

// current appends to ids the level's current patterns, in order. An id
// replaced within the level appears more than once in l.ids; only the
// entry l.pos points at is current.
func (l *levelState) current(ids []string) []string {
	for i, id := range l.ids {
		if p, ok := l.pos[id]; ok && int(p) == i {
			ids = append(ids, id)
		}
	}
	return ids
}

type writerState struct {
	live   map[string]*compiled
	where  map[string]int // the level holding each id's current version
	levels [numLevels]levelState
	paths  map[string]int32
	root   *pathNode
	gen    uint64 // of the last snapshot
	lazy   lazyCache
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher {
	m := &Matcher{}
	w := &m.state
	w.live = map[string]*compiled{}
	w.where = map[string]int{}
	w.paths = map[string]int32{}
	w.root = &pathNode{id: -1}
	for i := range w.levels {
		w.levels[i] = levelState{pos: map[string]int32{}, seg: &segment{}}
	}
	m.snap.Store(w.view())
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
	fresh := &w.levels[levelFresh]
	fresh.pos[id] = int32(len(fresh.ids))
	fresh.ids = append(fresh.ids, id)
	w.where[id] = levelFresh
	w.publish()
	m.snap.Store(w.view())
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
	w.publish()
	m.snap.Store(w.view())
	return true
}

// retire marks the current version of id dead in its level.
func (w *writerState) retire(id string) {
	lv, ok := w.where[id]
	if !ok {
		return
	}
	l := &w.levels[lv]
	i := l.pos[id]
	delete(l.pos, id)
	delete(w.where, id)
	// A new bitset: snapshots already published keep theirs.
	dead := make([]uint64, max(len(l.dead), int(i)/64+1))
	copy(dead, l.dead)
	dead[i/64] |= 1 << (i % 64)
	l.dead = dead
	l.ndead++
}

// publish rebuilds the levels that changed, merging when they are due.
func (w *writerState) publish() {
	base, mid, fresh := &w.levels[levelBase], &w.levels[levelMid], &w.levels[levelFresh]
	switch {
	case base.ndead > 32+base.live()/4 || mid.live() > max(512, base.live()/2):
		w.rebuildAll()
		return
	case fresh.live() > freshMax || mid.ndead > 32+mid.live()/2:
		w.merge(mid, mid, fresh)
	default:
		w.rebuild(fresh)
	}
	if mid.live() > max(512, base.live()/2) {
		w.rebuildAll()
	}
}

// rebuildAll puts every pattern into the base level, renumbering paths.
func (w *writerState) rebuildAll() {
	w.paths = map[string]int32{}
	base := &w.levels[levelBase]
	var ids []string
	for lv := range w.levels {
		l := &w.levels[lv]
		ids = l.current(ids)
		*l = levelState{pos: map[string]int32{}, seg: &segment{}}
	}
	base.ids = ids
	for i, id := range ids {
		base.pos[id] = int32(i)
		w.where[id] = levelBase
	}
	w.rebuild(base)
	w.root = buildTrie(w.paths)
}

// merge rebuilds dst from the current patterns of the given levels, which
// it empties.
func (w *writerState) merge(dst *levelState, from ...*levelState) {
	var ids []string
	for _, l := range from {
		ids = l.current(ids)
	}
	dstLevel := 0
	for lv := range w.levels {
		if &w.levels[lv] == dst {
			dstLevel = lv
		}
	}
	for _, l := range from {
		*l = levelState{pos: map[string]int32{}, seg: &segment{}}
	}
	dst.ids = ids
	for i, id := range ids {
		dst.pos[id] = int32(i)
		w.where[id] = dstLevel
	}
	w.rebuild(dst)
	w.rebuild(&w.levels[levelFresh])
}

// rebuild compacts level l to its current patterns and indexes them.
func (w *writerState) rebuild(l *levelState) {
	ids := l.current(nil)
	l.ids, l.dead, l.ndead = ids, nil, 0
	pats := make([]*compiled, len(ids))
	grew := false
	for i, id := range ids {
		l.pos[id] = int32(i)
		pats[i] = w.live[id]
		grew = w.addPaths(pats[i]) || grew
	}
	if grew {
		w.root = buildTrie(w.paths)
	}
	l.seg = buildSegment(ids, pats, w.pathID, len(w.paths))
}

// view is the snapshot of the current state.
func (w *writerState) view() *snapshot {
	w.gen++
	s := &snapshot{root: w.root, npaths: len(w.paths), gen: w.gen}
	s.decode = make([]bool, len(w.paths))
	eager := make([]bool, len(w.paths))
	for i := range w.levels {
		seg := w.levels[i].seg
		s.levels[i] = levelView{seg: seg, dead: w.levels[i].dead}
		for p, a := range seg.anchors {
			if a != nil && p < len(s.decode) && (a.num != nil || a.ranges.segs != nil) {
				s.decode[p] = true
			}
			if a != nil && p < len(eager) {
				eager[p] = true
			}
		}
		for _, si := range seg.always {
			for _, sl := range seg.subs[si].slots {
				eager[sl.path] = true
			}
		}
	}
	// The lazy trie and the marks change only when the anchored paths or a
	// segment do: an Add rebuilds the fresh level alone, and marking the
	// base level's subs again each time would make adding n patterns
	// quadratic.
	lz := &w.lazy
	if lz.base != w.root || !slices.Equal(lz.eager, eager) {
		*lz = lazyCache{base: w.root, eager: eager}
		paths := map[string]int32{}
		for p, id := range w.paths {
			if eager[id] {
				paths[p] = id
			}
		}
		if len(paths) < len(w.paths) {
			lz.root = buildTrie(paths)
			sameCounting(lz.root, w.root)
		}
	}
	s.lazyRoot = lz.root
	if lz.root == nil {
		return s
	}
	for i := range s.levels {
		seg := s.levels[i].seg
		if lz.segs[i] != seg {
			full := make([]bool, len(seg.subs))
			for si := range seg.subs {
				for _, sl := range seg.subs[si].slots {
					full[si] = full[si] || !eager[sl.path]
				}
			}
			lz.segs[i], lz.full[i] = seg, full
		}
		s.levels[i].full = lz.full[i]
	}
	return s
}

// lazyCache is the lazy trie and the subs it cannot decide, as last
// built: for the full trie base and the anchored paths eager, and per
// level for the segment in segs.
type lazyCache struct {
	base  *pathNode
	eager []bool
	root  *pathNode
	segs  [numLevels]*segment
	full  [numLevels][]bool
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

// sameCounting makes the objects of a lazy trie that the full trie never
// counts as complete (more than 64 names) uncounted too, so that both read
// repeated names alike.
func sameCounting(lazy, full *pathNode) {
	if full.allMask == 0 {
		lazy.allMask = 0
	}
	for _, e := range lazy.children {
		if i := full.child([]byte(e.name)); i >= 0 {
			sameCounting(e.node, full.children[i].node)
		}
	}
}

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
// ErrInvalidEvent when the event is not a JSON object. Of a key repeated in
// one object the first member counts, and a dotted key that comes after the
// plain key it extends is not read (docs/patterns.md says why these differ
// from EventBridge's engine).
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
	heads  []int32 // first field per path id
	refs   []anchorRef
	seen   []uint32 // per sub: epoch when last tried
	hit    []uint32 // per pattern: epoch when matched
	epoch  uint32
	pick   []int32   // chosen field per slot during verification
	found  []*string // ids of matched patterns, before the result is copied out
	full   []bool    // of the level being run in a lazy pass
	giveUp bool      // the lazy pass met a sub in full
	lazy   lazyStats
	// results is the block Match's results are cut from.
	results []string
}

// resultBlock is how many result ids are allocated at once.
const resultBlock = 64

func (st *matchState) match(snap *snapshot, event []byte) ([]string, error) {
	if snap.lazyRoot == nil {
		ids, _, err := st.pass(snap, snap.root, event, false)
		return ids, err
	}
	lz := &st.lazy
	if lz.gen != snap.gen {
		*lz = lazyStats{gen: snap.gen}
	}
	if lz.wait > 0 {
		// Lazy passes gave up too often of late: read all paths at once.
		// An invalid event still gets the answer a lazy pass would give,
		// so that what Match returns never depends on this choice.
		lz.wait--
		ids, _, err := st.pass(snap, snap.root, event, false)
		if err == nil {
			return ids, nil
		}
		if lids, done, lerr := st.pass(snap, snap.lazyRoot, event, true); done {
			return lids, lerr
		}
		return nil, err
	}
	ids, done, err := st.pass(snap, snap.lazyRoot, event, true)
	lz.events++
	if !done {
		lz.misses++
	}
	if lz.events == lazyWindow {
		if lz.misses > lazyMaxMisses {
			lz.wait = lazyBackoff
		}
		lz.events, lz.misses = 0, 0
	}
	if done && err != nil {
		// The event is damaged where the lazy pass read it. A full pass
		// may have decided before reaching the damage (it can stop
		// early inside an object the lazy pass had to skip whole); its
		// answer then stands, as it does while backing off.
		if fids, _, ferr := st.pass(snap, snap.root, event, false); ferr == nil {
			return fids, nil
		}
		return ids, err
	}
	if done {
		return ids, nil
	}
	ids, _, err = st.pass(snap, snap.root, event, false)
	return ids, err
}

// A lazy pass that gives up costs a second pass. Of every lazyWindow
// events, more than lazyMaxMisses given up (one in eight) switch a
// matchState to full passes for lazyBackoff events, after which it tries
// lazy passes again.
const (
	lazyWindow    = 64
	lazyMaxMisses = lazyWindow / 8
	lazyBackoff   = 4096
)

// lazyStats is how lazy passes fared on one snapshot (by number, so that
// an idle state does not keep a replaced snapshot alive).
type lazyStats struct {
	gen            uint64
	events, misses int
	wait           int // full passes left before lazy passes resume
}

// pass scans the event with the paths of root and matches. A lazy pass
// reads only the paths anchors use; it gives up (done false) on meeting a
// sub it would verify against a path it did not read. The paths it reads
// come out exactly as a full pass reads them (see object), so when it does
// not give up its answer is the full pass's.
func (st *matchState) pass(snap *snapshot, root *pathNode, event []byte, lazy bool) (ids []string, done bool, err error) {
	st.reset(event)
	st.decode = snap.decode
	if err := st.scan(root); err != nil {
		return nil, true, err
	}
	if len(st.fields) == 0 {
		always := false
		for _, l := range snap.levels {
			always = always || len(l.seg.always) > 0
		}
		if !always {
			return nil, true, nil
		}
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
	st.found = st.found[:0]
	st.giveUp = false
	for i := range snap.levels {
		l := &snap.levels[i]
		st.full = nil
		if lazy {
			st.full = l.full
		}
		st.found = st.run(l.seg, l.dead, st.found)
		if st.giveUp {
			return nil, false, nil
		}
	}
	if len(st.found) == 0 {
		return nil, true, nil
	}
	// Results are cut from a block shared by this state's next results,
	// one allocation for many events; each has its own capacity, so a
	// caller's append cannot reach another's.
	n := len(st.found)
	if len(st.results)+n > cap(st.results) {
		st.results = make([]string, 0, max(resultBlock, n))
	}
	k := len(st.results)
	st.results = st.results[:k+n]
	out := st.results[k : k+n : k+n]
	for i, id := range st.found {
		out[i] = *id
	}
	return out, true, nil
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
		lastSeg := -1
		if a.onlyRanges {
			// The common case of coordinates and readings, without
			// lookup's other indexes.
			for fi := st.heads[p]; fi >= 0; fi = st.fields[fi].next {
				v := &st.fields[fi].val
				if v.kind != vNumber || !v.comparable(&st.evalCtx) {
					continue
				}
				k := a.ranges.findFrom(v.dec(&st.evalCtx), lastSeg)
				if k == lastSeg {
					continue
				}
				lastSeg = k
				for _, r := range a.ranges.segs[k] {
					out = st.try(seg, dead, r.sub(), r.exact(), ep, out)
				}
			}
			continue
		}
		for fi := st.heads[p]; fi >= 0; fi = st.fields[fi].next {
			st.refs = a.lookup(&st.fields[fi].val, &st.evalCtx, st.refs[:0], &lastSeg)
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
	if st.full != nil && st.full[si] {
		st.giveUp = true
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
