package pattern

import (
	"errors"
	"sync"
	"testing"

	"github.com/trailbridge/trailbridge/internal/citylots"
)

var (
	cityOnce  sync.Once
	cityLines [][]byte
	cityErr   error
)

// cityData loads citylots2 once per test binary. It fails, never skips, when
// the data cannot be had: CI must not pass without running these checks.
func cityData(t testing.TB) [][]byte {
	t.Helper()
	cityOnce.Do(func() {
		path, err := citylots.DataPath(t.Context())
		if err != nil {
			cityErr = err
			return
		}
		cityLines, cityErr = citylots.ReadLines(path)
	})
	if cityErr != nil {
		t.Fatalf("citylots2 data: %v", cityErr)
	}
	return cityLines
}

// TestCitylots2Counts checks the 70 recorded rules, each alone, and each
// rule set together in one Matcher, against their recorded match counts.
func TestCitylots2Counts(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 213,068 events; skipped under -short")
	}
	rules, err := citylots.ReadRules(conformanceDir)
	if errors.Is(err, citylots.ErrNoRules) {
		t.Skipf("%v (shared/ is not beside the repository)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := cityData(t)
	all := NewMatcher()
	want := map[string]int{}
	for _, r := range rules {
		id := r.Set + "/" + r.Name
		if err := all.Add(id, []byte(r.Pattern)); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		want[id] = r.Count
	}
	got := map[string]int{}
	for _, ev := range lines {
		ids, err := all.Match(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			got[id]++
		}
	}
	for _, r := range rules {
		id := r.Set + "/" + r.Name
		if got[id] != want[id] {
			t.Errorf("%s %s: %d matches, want %d", id, r.Pattern, got[id], want[id])
		}
	}
}
