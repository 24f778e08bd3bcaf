package pattern

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/trailbridge/trailbridge/internal/citylots"
	"github.com/trailbridge/trailbridge/internal/ctrules"
)

// BenchmarkCitylots2 matches citylots2 events against each recorded rule set.
func BenchmarkCitylots2(b *testing.B) {
	rules, err := citylots.ReadRules(conformanceDir)
	if err != nil {
		b.Skip(err)
	}
	lines := cityData(b)
	if n := os.Getenv("CITYLOTS_HOT"); n != "" {
		k, _ := strconv.Atoi(n)
		lines = lines[:k] // a working set that stays in cache
	}
	for _, set := range citylots.Sets {
		b.Run(set, func(b *testing.B) {
			m := NewMatcher()
			for _, r := range rules {
				if r.Set == set {
					if err := m.Add(r.Name, []byte(r.Pattern)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Match(lines[i%len(lines)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCloudTrailRules matches CloudTrail events against growing
// numbers of CloudTrail-style rules: the cost per event should stay flat.
func BenchmarkCloudTrailRules(b *testing.B) {
	traffic, err := ctrules.Load(filepath.Join("..", "..", "shared", "data", "cloudtrail", "invictus-ir"))
	if err != nil {
		b.Skip(err)
	}
	for _, n := range []int{10, 1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			m := NewMatcher()
			for i, r := range traffic.Rules(n) {
				if err := m.Add(strconv.Itoa(i), []byte(r)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Match(traffic.Events[i%len(traffic.Events)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
