package natsjs

import (
	"fmt"
	"slices"
	"testing"
)

func TestSeenMarksAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := openTest(t, dir)
	s, err := e.Seen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 150)
	for i := range ids {
		ids[i] = fmt.Sprintf("66d008e1-12cf-4a45-99e7-%012d", i)
	}
	got, err := s.Filter(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(got, true) {
		t.Fatalf("fresh store says some ids were seen: %v", got)
	}
	// One id alone, then a batch with a duplicate and odd characters.
	if err := s.Mark(t.Context(), ids[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Mark(t.Context(), append(slices.Clone(ids[1:100]), ids[5], "a b.c*>")); err != nil {
		t.Fatal(err)
	}
	e.Close()

	e = openTest(t, dir)
	if s, err = e.Seen(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, err = s.Filter(t.Context(), append(slices.Clone(ids), "a b.c*>"))
	if err != nil {
		t.Fatal(err)
	}
	for i, seen := range got {
		if want := i < 100 || i == len(ids); seen != want {
			t.Errorf("id %d: seen %v, want %v", i, seen, want)
		}
	}
}

func TestSeenMarkedAtOnceForFilter(t *testing.T) {
	e := openTest(t, t.TempDir())
	defer e.Close()
	s, err := e.Seen(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Marks are written in the background; Filter sees them at once.
	for i := range 50 {
		id := fmt.Sprintf("id-%d", i)
		if err := s.Mark(t.Context(), []string{id}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Filter(t.Context(), []string{id, "never-" + id})
		if err != nil {
			t.Fatal(err)
		}
		if !got[0] || got[1] {
			t.Fatalf("right after Mark(%s): %v", id, got)
		}
	}
}
