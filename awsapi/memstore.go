package awsapi

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"sync"

	tb "github.com/trailbridge/trailbridge"
)

// MemoryStore is a Store in memory: for trying changes out before making
// them (a dry run of a configuration file) and for tests. It is safe for
// concurrent use.
type MemoryStore struct {
	mu    sync.Mutex
	buses map[string]*tb.Bus
	rules map[[2]string]*tb.Rule        // bus, name
	res   map[[2]string]json.RawMessage // kind, name
}

// NewMemoryStore returns a store holding copies of the buses and rules of
// from (nil for an empty store with just the default bus).
func NewMemoryStore(from Store) *MemoryStore {
	m := &MemoryStore{buses: map[string]*tb.Bus{}, rules: map[[2]string]*tb.Rule{}, res: map[[2]string]json.RawMessage{}}
	if from == nil {
		m.buses[tb.DefaultBus] = &tb.Bus{Name: tb.DefaultBus}
		return m
	}
	for _, b := range from.Buses() {
		m.buses[b.Name] = clone(b)
		for _, r := range from.Rules(b.Name) {
			m.rules[[2]string{b.Name, r.Name}] = clone(r)
		}
	}
	return m
}

// clone deep-copies a value the way the JetStream store does: through its
// JSON form.
func clone[T any](v *T) *T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the domain types always marshal
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		panic(err)
	}
	return out
}

// Bus implements Store.
func (m *MemoryStore) Bus(name string) *tb.Bus {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.buses[name]
}

// Buses implements Store.
func (m *MemoryStore) Buses() []*tb.Bus {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*tb.Bus, 0, len(m.buses))
	for _, b := range m.buses {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b *tb.Bus) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// Rule implements Store.
func (m *MemoryStore) Rule(bus, name string) *tb.Rule {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rules[[2]string{bus, name}]
}

// Rules implements Store.
func (m *MemoryStore) Rules(bus string) []*tb.Rule {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*tb.Rule
	for k, r := range m.rules {
		if k[0] == bus {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *tb.Rule) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// UpdateBus implements Store.
func (m *MemoryStore) UpdateBus(_ context.Context, name string, fn func(cur *tb.Bus) (*tb.Bus, error)) (*tb.Bus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cur *tb.Bus
	if b := m.buses[name]; b != nil {
		cur = clone(b)
	}
	next, err := fn(cur)
	if err != nil {
		return nil, err
	}
	if next == nil {
		delete(m.buses, name)
		return nil, nil
	}
	m.buses[name] = clone(next)
	return next, nil
}

// UpdateRule implements Store.
func (m *MemoryStore) UpdateRule(_ context.Context, bus, name string, fn func(cur *tb.Rule) (*tb.Rule, error)) (*tb.Rule, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{bus, name}
	var cur *tb.Rule
	if r := m.rules[k]; r != nil {
		cur = clone(r)
	}
	next, err := fn(cur)
	if err != nil {
		return nil, err
	}
	if next == nil {
		delete(m.rules, k)
		return nil, nil
	}
	m.rules[k] = clone(next)
	return next, nil
}

// CopyResources copies every resource of the given kinds from rs.
func (m *MemoryStore) CopyResources(rs ResourceStore, kinds ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range kinds {
		for _, n := range rs.ResourceNames(k) {
			m.res[[2]string{k, n}] = append(json.RawMessage(nil), rs.Resource(k, n)...)
		}
	}
}

// Resource implements ResourceStore.
func (m *MemoryStore) Resource(kind, name string) json.RawMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.res[[2]string{kind, name}]
}

// ResourceNames implements ResourceStore.
func (m *MemoryStore) ResourceNames(kind string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.res {
		if k[0] == kind {
			out = append(out, k[1])
		}
	}
	slices.Sort(out)
	return out
}

// UpdateResource implements ResourceStore.
func (m *MemoryStore) UpdateResource(_ context.Context, kind, name string, fn func(cur json.RawMessage) (json.RawMessage, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{kind, name}
	next, err := fn(append(json.RawMessage(nil), m.res[k]...))
	if err != nil {
		return err
	}
	if next == nil {
		delete(m.res, k)
		return nil
	}
	m.res[k] = append(json.RawMessage(nil), next...)
	return nil
}
