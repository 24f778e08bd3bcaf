package natsjs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/trailbridge/trailbridge"
)

// Config is the configuration of buses and rules, stored in a JetStream KV
// bucket and mirrored in memory. Every process watches the bucket, so a
// change made through any process reaches all of them; a process also sees
// its own writes as soon as they return.
//
// Values returned by Config's read methods are shared and must not be
// modified. Its methods are safe for concurrent use.
type Config struct {
	kv  jetstream.KeyValue
	log interface{ Warn(string, ...any) }

	mu    sync.RWMutex
	buses map[string]entry[trailbridge.Bus]
	rules map[string]map[string]entry[trailbridge.Rule] // bus, rule name
	res   map[string]map[string]entry[json.RawMessage]  // kind, name

	lmu       sync.Mutex
	listeners []func(Change)
}

type entry[T any] struct {
	v   *T // nil: deleted
	rev uint64
}

// Change names what changed: a bus (Rule empty), a rule, or a resource of
// another kind (Resource and Name set, Bus empty).
type Change struct {
	Bus      string
	Rule     string
	Resource string // kind of resource, such as "connection"
	Name     string
}

// Config opens the configuration bucket and returns once the current
// configuration is in memory. The watch stops when ctx ends.
func (e *Engine) Config(ctx context.Context) (*Config, error) {
	kv, err := e.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      ConfigBucket,
		Description: "trailbridge buses, rules and targets",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    e.opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", ConfigBucket, err)
	}
	c := &Config{
		kv:    kv,
		log:   e.log,
		buses: map[string]entry[trailbridge.Bus]{},
		rules: map[string]map[string]entry[trailbridge.Rule]{},
		res:   map[string]map[string]entry[json.RawMessage]{},
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch bucket %s: %w", ConfigBucket, err)
	}
	ready := make(chan struct{})
	go c.watch(ctx, w, ready)
	select {
	case <-ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// The default bus always exists; storing it gives it a creation time.
	_, err = c.UpdateBus(ctx, trailbridge.DefaultBus, func(cur *trailbridge.Bus) (*trailbridge.Bus, error) {
		if cur != nil {
			return cur, nil
		}
		now := time.Now().UTC().Truncate(time.Second)
		return &trailbridge.Bus{Name: trailbridge.DefaultBus, CreationTime: now, LastModifiedTime: now}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("create default bus: %w", err)
	}
	return c, nil
}

func (c *Config) watch(ctx context.Context, w jetstream.KeyWatcher, ready chan struct{}) {
	defer w.Stop()
	initial := true
	for {
		select {
		case <-ctx.Done():
			return
		case ent, ok := <-w.Updates():
			if !ok {
				return
			}
			if ent == nil {
				if initial {
					initial = false
					close(ready)
				}
				continue
			}
			deleted := ent.Operation() != jetstream.KeyValuePut
			if err := c.apply(ent.Key(), ent.Value(), ent.Revision(), deleted); err != nil {
				c.log.Warn("config entry ignored", "key", ent.Key(), "err", err)
			}
		}
	}
}

// apply records a value (or its deletion) at a revision, unless a newer one
// is already known, and tells the listeners.
func (c *Config) apply(key string, val []byte, rev uint64, deleted bool) error {
	kind, bus, name, err := parseKey(key)
	if err != nil {
		return err
	}
	var ch Change
	c.mu.Lock()
	switch kind {
	case "bus":
		if old, ok := c.buses[bus]; ok && old.rev >= rev {
			c.mu.Unlock()
			return nil
		}
		var b *trailbridge.Bus
		if !deleted {
			b = new(trailbridge.Bus)
			if err := json.Unmarshal(val, b); err != nil {
				c.mu.Unlock()
				return err
			}
		}
		c.buses[bus] = entry[trailbridge.Bus]{b, rev}
		ch = Change{Bus: bus}
	case "rule":
		m := c.rules[bus]
		if m == nil {
			m = map[string]entry[trailbridge.Rule]{}
			c.rules[bus] = m
		}
		if old, ok := m[name]; ok && old.rev >= rev {
			c.mu.Unlock()
			return nil
		}
		var r *trailbridge.Rule
		if !deleted {
			r = new(trailbridge.Rule)
			if err := json.Unmarshal(val, r); err != nil {
				c.mu.Unlock()
				return err
			}
		}
		m[name] = entry[trailbridge.Rule]{r, rev}
		ch = Change{Bus: bus, Rule: name}
	case "res":
		kind := bus
		m := c.res[kind]
		if m == nil {
			m = map[string]entry[json.RawMessage]{}
			c.res[kind] = m
		}
		if old, ok := m[name]; ok && old.rev >= rev {
			c.mu.Unlock()
			return nil
		}
		var v *json.RawMessage
		if !deleted {
			raw := json.RawMessage(append([]byte(nil), val...))
			v = &raw
		}
		m[name] = entry[json.RawMessage]{v, rev}
		ch = Change{Resource: kind, Name: name}
	}
	c.mu.Unlock()
	c.lmu.Lock()
	ls := c.listeners
	c.lmu.Unlock()
	for _, l := range ls {
		l(ch)
	}
	return nil
}

// OnChange registers fn to be called after every change, from the goroutine
// that made it. fn should read the current state rather than assume an
// order between calls.
func (c *Config) OnChange(fn func(Change)) {
	c.lmu.Lock()
	c.listeners = append(slices.Clip(c.listeners), fn)
	c.lmu.Unlock()
}

func busKey(name string) string       { return "bus." + escapeToken(name) }
func ruleKey(bus, name string) string { return "rule." + escapeToken(bus) + "." + escapeToken(name) }
func resKey(kind, name string) string { return "res." + escapeToken(kind) + "." + escapeToken(name) }
func parseKey(key string) (kind, bus, name string, err error) {
	toks := strings.Split(key, ".")
	switch {
	case len(toks) == 2 && toks[0] == "bus":
		bus, err = unescapeToken(toks[1])
		return "bus", bus, "", err
	case len(toks) == 3 && toks[0] == "res":
		if bus, err = unescapeToken(toks[1]); err != nil {
			return "", "", "", err
		}
		name, err = unescapeToken(toks[2])
		return "res", bus, name, err
	case len(toks) == 3 && toks[0] == "rule":
		if bus, err = unescapeToken(toks[1]); err != nil {
			return "", "", "", err
		}
		name, err = unescapeToken(toks[2])
		return "rule", bus, name, err
	}
	return "", "", "", fmt.Errorf("unknown config key %q", key)
}

// Bus returns the named bus, or nil.
func (c *Config) Bus(name string) *trailbridge.Bus {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.buses[name].v
}

// Buses returns every bus, sorted by name.
func (c *Config) Buses() []*trailbridge.Bus {
	c.mu.RLock()
	out := make([]*trailbridge.Bus, 0, len(c.buses))
	for _, e := range c.buses {
		if e.v != nil {
			out = append(out, e.v)
		}
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b *trailbridge.Bus) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// Rule returns the named rule of a bus, or nil.
func (c *Config) Rule(bus, name string) *trailbridge.Rule {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rules[bus][name].v
}

// Rules returns the rules of a bus, sorted by name.
func (c *Config) Rules(bus string) []*trailbridge.Rule {
	c.mu.RLock()
	m := c.rules[bus]
	out := make([]*trailbridge.Rule, 0, len(m))
	for _, e := range m {
		if e.v != nil {
			out = append(out, e.v)
		}
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b *trailbridge.Rule) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// UpdateBus reads the bus called name (nil when it does not exist), passes
// a private copy to fn and stores what fn returns: nil deletes the bus, a
// value equal to the stored one writes nothing. When another writer got there
// first, it reads again and calls fn again, so fn must not have side
// effects. An error from fn is returned as is.
func (c *Config) UpdateBus(ctx context.Context, name string, fn func(cur *trailbridge.Bus) (*trailbridge.Bus, error)) (*trailbridge.Bus, error) {
	return update(ctx, c, busKey(name), fn)
}

// UpdateRule is UpdateBus for the rule called name on bus.
func (c *Config) UpdateRule(ctx context.Context, bus, name string, fn func(cur *trailbridge.Rule) (*trailbridge.Rule, error)) (*trailbridge.Rule, error) {
	return update(ctx, c, ruleKey(bus, name), fn)
}

// Resource returns the stored JSON of the resource of a kind (a
// connection, an API destination, …) called name, or nil.
func (c *Config) Resource(kind, name string) json.RawMessage {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if v := c.res[kind][name].v; v != nil {
		return *v
	}
	return nil
}

// ResourceNames returns the names of the resources of a kind, sorted.
func (c *Config) ResourceNames(kind string) []string {
	c.mu.RLock()
	var out []string
	for name, e := range c.res[kind] {
		if e.v != nil {
			out = append(out, name)
		}
	}
	c.mu.RUnlock()
	slices.Sort(out)
	return out
}

// UpdateResource is UpdateBus for a resource of another kind, stored as
// JSON: fn gets the current JSON (nil when there is none) and returns the
// new JSON, or nil to delete it.
func (c *Config) UpdateResource(ctx context.Context, kind, name string, fn func(cur json.RawMessage) (json.RawMessage, error)) error {
	_, err := update(ctx, c, resKey(kind, name), func(cur *json.RawMessage) (*json.RawMessage, error) {
		var in json.RawMessage
		if cur != nil {
			in = *cur
		}
		out, err := fn(in)
		if err != nil || out == nil {
			return nil, err
		}
		return &out, nil
	})
	return err
}

func update[T any](ctx context.Context, c *Config, key string, fn func(cur *T) (*T, error)) (*T, error) {
	for range 20 {
		var cur *T
		var rev uint64
		var stored []byte
		ent, err := c.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", key, err)
		default:
			cur, rev, stored = new(T), ent.Revision(), ent.Value()
			if err := json.Unmarshal(ent.Value(), cur); err != nil {
				return nil, fmt.Errorf("read %s: %w", key, err)
			}
		}
		next, err := fn(cur)
		if err != nil {
			return nil, err
		}
		if next == nil && cur == nil {
			return nil, nil
		}
		var newRev uint64
		if next == nil {
			err = c.kv.Delete(ctx, key, jetstream.LastRevision(rev))
			newRev = rev + 1 // the delete marker's revision is at least this
		} else {
			val, merr := json.Marshal(next)
			if merr != nil {
				return nil, fmt.Errorf("write %s: %w", key, merr)
			}
			if cur != nil && bytes.Equal(val, stored) {
				return next, nil // nothing to write
			}
			if cur == nil {
				newRev, err = c.kv.Create(ctx, key, val)
			} else {
				newRev, err = c.kv.Update(ctx, key, val, rev)
			}
			if err == nil {
				// Keep what is cached identical to what the watch
				// will deliver.
				err = c.apply(key, val, newRev, false)
				if err != nil {
					return nil, err
				}
				return next, nil
			}
		}
		if err == nil {
			return nil, c.apply(key, nil, newRev, true)
		}
		if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) || isWrongRevision(err) {
			continue
		}
		return nil, fmt.Errorf("write %s: %w", key, err)
	}
	return nil, &trailbridge.Error{Code: trailbridge.CodeConcurrentModification, Message: "Too many concurrent modifications of " + key + "; try again."}
}

func isWrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}
