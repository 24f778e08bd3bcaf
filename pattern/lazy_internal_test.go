package pattern

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// matchMode matches with a fresh matchState that either starts with lazy
// passes (as every state does) or is backing off from them.
func matchMode(m *Matcher, event []byte, backingOff bool) ([]string, error) {
	snap := m.snap.Load()
	st := &matchState{}
	if backingOff {
		st.lazy = lazyStats{gen: snap.gen, wait: 1}
	}
	ids, err := st.match(snap, event)
	slices.Sort(ids)
	return ids, err
}

// TestLazyPass checks what a lazy pass leaves out and when it gives up:
// with x anchoring every pattern and y read only to verify one, events
// whose anchors do not call for y are decided without reading it.
func TestLazyPass(t *testing.T) {
	m := NewMatcher()
	for id, p := range map[string]string{
		"poly":   `{"geometry":{"type":["Polygon"],"coordinates":{"x":[{"numeric":["=",-122.5]}]}}}`,
		"multi":  `{"geometry":{"type":["MultiPolygon"],"coordinates":{"y":[{"numeric":["=",37.5]}]}}}`,
		"west":   `{"geometry":{"coordinates":{"x":[{"numeric":["<",-122.4]}]}}}`,
		"either": `{"geometry":{"coordinates":{"x":[{"numeric":[">",-122.6,"<",-122.45]}]}}}`,
	} {
		if err := m.Add(id, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	snap := m.snap.Load()
	if snap.lazyRoot == nil {
		t.Fatal("no lazy paths: y is only verified, never anchored")
	}
	coords := func(pts ...float64) string {
		var b strings.Builder
		for i := 0; i+1 < len(pts); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"x":%v,"y":%v,"z":0.0}`, pts[i], pts[i+1])
		}
		return b.String()
	}
	for _, tc := range []struct {
		name   string
		event  string
		want   []string
		lazyOK bool // decided by the lazy pass alone
	}{
		{"polygon", `{"geometry":{"type":"Polygon","coordinates":[[` + coords(-122.5, 37.5, -122.3, 37.6) + `]]}}`,
			[]string{"either", "poly", "west"}, true},
		{"polygon without hits", `{"geometry":{"type":"Polygon","coordinates":[[` + coords(-122.3, 37.5) + `]]}}`, nil, true},
		{"multipolygon", `{"geometry":{"type":"MultiPolygon","coordinates":[[` + coords(-122.3, 37.6, -122.3, 37.5) + `]]}}`,
			[]string{"multi"}, false},
		{"multipolygon elsewhere", `{"geometry":{"type":"MultiPolygon","coordinates":[[` + coords(-122.3, 37.6) + `]]}}`, nil, false},
		// y is not read lazily, so a bad number there goes unseen, as in
		// every skipped part; a full pass reads it.
		{"bad y", `{"geometry":{"type":"Polygon","coordinates":[{"x":-122.3,"y":01}]}}`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &matchState{}
			ids, done, err := st.pass(snap, snap.lazyRoot, []byte(tc.event), true)
			if done != tc.lazyOK {
				t.Fatalf("lazy pass done = %v, want %v", done, tc.lazyOK)
			}
			if done {
				for _, f := range st.fields {
					if f.path == m.state.paths["geometry.coordinates.y"] {
						t.Errorf("lazy pass read y = %s", f.val.raw)
					}
				}
			}
			slices.Sort(ids)
			if done && (err != nil || !slices.Equal(ids, tc.want)) {
				t.Errorf("lazy pass = %v, %v; want %v", ids, err, tc.want)
			}
			for _, backingOff := range []bool{false, true} {
				if got, err := matchMode(m, []byte(tc.event), backingOff); err != nil || !slices.Equal(got, tc.want) {
					t.Errorf("Match (backing off %v) = %v, %v; want %v", backingOff, got, err, tc.want)
				}
			}
		})
	}
}

// TestLazyBackoff checks that a state whose lazy passes keep giving up
// turns to full passes, and back after a while.
func TestLazyBackoff(t *testing.T) {
	m := NewMatcher()
	if err := m.Add("p", []byte(`{"a":["x"],"b":["y"]}`)); err != nil {
		t.Fatal(err)
	}
	snap := m.snap.Load()
	if snap.lazyRoot == nil {
		t.Fatal("no lazy paths")
	}
	st := &matchState{}
	hit, miss := []byte(`{"a":"x","b":"y"}`), []byte(`{"a":"q","b":"y"}`)
	for range lazyWindow {
		if ids, _ := st.match(snap, hit); len(ids) != 1 {
			t.Fatalf("Match(%s) = %v", hit, ids)
		}
	}
	if st.lazy.wait != lazyBackoff {
		t.Fatalf("after %d events that all gave up, wait = %d, want %d", lazyWindow, st.lazy.wait, lazyBackoff)
	}
	for range lazyBackoff {
		if ids, _ := st.match(snap, miss); len(ids) != 0 {
			t.Fatalf("Match(%s) = %v", miss, ids)
		}
	}
	if st.lazy.wait != 0 || st.lazy.events != 0 {
		t.Fatalf("after the backoff: %+v", st.lazy)
	}
	for range lazyWindow {
		st.match(snap, miss)
	}
	if st.lazy.wait != 0 {
		t.Fatalf("events that never give up brought a backoff: %+v", st.lazy)
	}
}

// TestLazyAgreesWithFull compares the two ways of matching on generated
// patterns and events, valid and damaged: a lazy pass first, or a full
// pass first (as while backing off). They must give the same ids and the
// same error, so that what Match returns never depends on the history of
// the state that served it.
func TestLazyAgreesWithFull(t *testing.T) {
	eachRecipe(5, func(r *rand.Rand, recipe []byte) { checkLazyAgrees(t, r, recipe) })
}

// TestLazyErrorDefersToFull is a case FuzzLazyAgreesWithFull found: the
// lazy pass skips object b whole (no anchor reads inside it) and so meets
// the damage after it, while a full pass reads b.b, knows then that nothing
// can match, and stops before the damage. Both modes must answer as the
// full pass does.
func TestLazyErrorDefersToFull(t *testing.T) {
	m := NewMatcher()
	for k, p := range []string{`{"c":["xy"]}`, `{"b":[{"prefix":"init"},{"anything-but":{"suffix":"b"}}]}`,
		`{"b.b":[{"anything-but":"ABC"}],"b":[""]}`} {
		if err := m.Add(fmt.Sprint(k), []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range []string{`{"c":[],"b":{"b":"Xy","d"`, `{"c":[],"b":{"b":"Xy","d":1`} {
		for _, backingOff := range []bool{false, true} {
			if ids, err := matchMode(m, []byte(ev), backingOff); len(ids) != 0 || err != nil {
				t.Errorf("%s, backing off %v: %v, %v; want no match and no error", ev, backingOff, ids, err)
			}
		}
	}
}

func FuzzLazyAgreesWithFull(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("seed: dotted keys after the names they extend"))
	f.Fuzz(func(t *testing.T, recipe []byte) {
		var seed uint64
		for _, b := range recipe {
			seed = seed*31 + uint64(b)
		}
		checkLazyAgrees(t, rand.New(rand.NewPCG(seed, 7)), recipe)
	})
}

// checkLazyAgrees builds patterns and an event (and variants of it) from
// recipe, r choosing where to damage the event, and matches each both ways.
func checkLazyAgrees(t *testing.T, r *rand.Rand, recipe []byte) {
	c := &choices{b: recipe}
	event := genEvent(c, 0)
	m := NewMatcher()
	var pats []string
	for k, np := 0, 1+c.n(4); k < np; k++ {
		p := genPattern(c, "", 0, map[string]bool{})
		if m.Add(fmt.Sprint(k), []byte(p)) == nil {
			pats = append(pats, p)
		}
	}
	events := []string{event}
	if len(event) > 2 {
		// A dotted key after the members, which may extend one of them.
		k := c.pick(genKeys) + "." + c.pick(genKeys)
		events = append(events, fmt.Sprintf("%s,%q:%s}", event[:len(event)-1], k, genEventValue(c, 1)))
		// Damage it: cut it short, or put a stray byte somewhere.
		at := 1 + r.IntN(len(event)-1)
		events = append(events, event[:at], event[:at]+string("x,]}0"[r.IntN(5)])+event[at:])
	}
	for _, ev := range events {
		a, errA := matchMode(m, []byte(ev), false)
		b, errB := matchMode(m, []byte(ev), true)
		if !slices.Equal(a, b) || fmt.Sprint(errA) != fmt.Sprint(errB) {
			t.Fatalf("event %s\npatterns %q\nlazy first: %v, %v\nfull first: %v, %v", ev, pats, a, errA, b, errB)
		}
	}
}

// TestLazyTrieCountsLikeFull checks that an object the full trie never
// counts as complete (more than 64 names used) is not counted in the lazy
// trie either, so that both read repeated names alike.
func TestLazyTrieCountsLikeFull(t *testing.T) {
	m := NewMatcher()
	for i := range 70 {
		// k0 anchors its pattern; the others are only verified.
		if err := m.Add(fmt.Sprint(i), []byte(fmt.Sprintf(`{"o":{"k0":["v%d"],"k%d":["w"]}}`, i, i+1))); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Add("repeat", []byte(`{"o":{"k0":["second"]}}`)); err != nil {
		t.Fatal(err)
	}
	snap := m.snap.Load()
	if snap.lazyRoot == nil {
		t.Fatal("no lazy paths")
	}
	o := snap.lazyRoot.children[0].node
	if len(o.children) > 64 || o.allMask != 0 {
		t.Fatalf("lazy o: %d names, mask %x; want a few names and no mask", len(o.children), o.allMask)
	}
	ev := []byte(`{"o":{"k0":"first","k0":"second"}}`)
	for _, backingOff := range []bool{false, true} {
		if got, err := matchMode(m, ev, backingOff); err != nil || !slices.Equal(got, []string{"repeat"}) {
			t.Errorf("Match (backing off %v) = %v, %v; want [repeat]: with over 64 names every repeat is read", backingOff, got, err)
		}
	}
}
