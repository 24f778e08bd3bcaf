package pattern

import "testing"

// TestAnchorChoice checks where subs are indexed: a choice that changes no
// match, only how much each event costs, so it is looked at directly.
func TestAnchorChoice(t *testing.T) {
	for _, tc := range []struct {
		name     string
		patterns []string
		id       string // the pattern whose anchor is checked
		want     string // the path it should be anchored at
	}{
		// An exact number at a path with true ranges costs nothing more to
		// find: it becomes a point of the range search.
		{"point among ranges", []string{`{"x":[{"numeric":[">",1]}]}`, `{"t":["P"],"x":[{"numeric":["=",5]}]}`}, "1", "x"},
		{"exact number among ranges", []string{`{"x":[{"numeric":["<",0]}]}`, `{"t":["P"],"x":[7]}`}, "1", "x"},
		// Without ranges there, a string is preferred to a number, which
		// must be decoded to be looked up.
		{"string before number", []string{`{"t":["M"],"y":[{"numeric":["=",2]}]}`}, "0", "t"},
		{"string before exact number", []string{`{"t":["M"],"y":[2]}`}, "0", "t"},
		// "=" is as selective as an exact value, not a range's weight.
		{"equals before prefix", []string{`{"a":[{"prefix":"x"}],"b":[{"numeric":["=",1]}]}`}, "0", "b"},
		// Distinct ranges are distinct conditions: three other ranges at
		// x do not make this one look shared.
		{"ranges not shared", []string{`{"x":[{"numeric":[">",1]}]}`, `{"x":[{"numeric":[">",2]}]}`, `{"x":[{"numeric":[">",3]}]}`,
			`{"t":["P"],"x":[{"numeric":["=",5]}]}`}, "3", "x"},
		// A value shared by many patterns is the costlier anchor.
		{"selective first", []string{`{"t":["P"]}`, `{"t":["P"]}`, `{"t":["P"],"u":["q"]}`}, "2", "u"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMatcher()
			for i, p := range tc.patterns {
				if err := m.Add(string(rune('0'+i)), []byte(p)); err != nil {
					t.Fatal(err)
				}
			}
			got := anchoredAt(m, tc.id)
			if got != tc.want {
				t.Errorf("pattern %s anchored at %q, want %q", tc.id, got, tc.want)
			}
			if got == "x" {
				// The points and the ranges are one search.
				a := m.snap.Load().levels[levelFresh].seg.anchors[m.state.paths["x"]]
				if a.num != nil || a.ranges.segs == nil {
					t.Errorf("exact numbers at x kept apart from its ranges")
				}
			}
		})
	}
}

// anchoredAt returns the path at which pattern id's only sub is indexed.
func anchoredAt(m *Matcher, id string) string {
	seg := m.snap.Load().levels[levelFresh].seg
	for path, pid := range m.state.paths {
		a := seg.anchors[pid]
		if a == nil {
			continue
		}
		var refs []anchorRef
		for _, r := range a.str {
			refs = append(refs, r...)
		}
		for _, r := range a.num {
			refs = append(refs, r...)
		}
		for _, r := range a.ranges.segs {
			refs = append(refs, r...)
		}
		refs = append(refs, a.prefix.refs()...)
		for _, r := range refs {
			if seg.ids[seg.subs[r.sub()].pat] == id {
				return path
			}
		}
	}
	return ""
}

func (ix *affixIndex) refs() []anchorRef {
	var out []anchorRef
	for _, r := range ix.by {
		out = append(out, r...)
	}
	return out
}

// TestDecodeWhereLookedUp: numbers are decoded during the scan exactly at
// the paths where some anchor looks them up by value.
func TestDecodeWhereLookedUp(t *testing.T) {
	m := NewMatcher()
	for i, p := range []string{`{"r":[{"numeric":[">",1]}]}`, `{"n":[3]}`, `{"e":[{"exists":true}]}`,
		`{"s":["M"],"v":[{"numeric":["=",2]}]}`} {
		if err := m.Add(string(rune('0'+i)), []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	snap := m.snap.Load()
	for path, want := range map[string]bool{"r": true, "n": true, "e": false, "s": false, "v": false} {
		if got := snap.decode[m.state.paths[path]]; got != want {
			t.Errorf("numbers at %s decoded as read: %v, want %v", path, got, want)
		}
	}
	// And a decoded number is the decimal a condition would have read.
	ids, err := m.Match([]byte(`{"r":1.5e0,"n":3.000}`))
	if err != nil || len(ids) != 2 {
		t.Errorf("Match = %v, %v; want both r and n", ids, err)
	}
}
