package natsjs

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge"
)

// groupVersion starts every events message, so that the format can change
// without misreading messages written by an older version. Version 1 had
// no trace header, version 2 no sending bus; both are still read.
const groupVersion = 3

// appendGroup encodes accepted events as one message body: version, then
// per event the uvarint-prefixed bus, rule, trace header and sending bus, a
// varint ingestion time in Unix microseconds, and the uvarint-prefixed
// JSON.
func appendGroup(b []byte, evs []trailbridge.Accepted) []byte {
	b = append(b, groupVersion)
	for _, ev := range evs {
		b = appendEvent(b, ev)
	}
	return b
}

// appendEvent appends one event to a group begun with groupVersion.
func appendEvent(b []byte, ev trailbridge.Accepted) []byte {
	b = binary.AppendUvarint(b, uint64(len(ev.Bus)))
	b = append(b, ev.Bus...)
	b = binary.AppendUvarint(b, uint64(len(ev.Rule)))
	b = append(b, ev.Rule...)
	b = binary.AppendUvarint(b, uint64(len(ev.Trace)))
	b = append(b, ev.Trace...)
	b = binary.AppendUvarint(b, uint64(len(ev.From)))
	b = append(b, ev.From...)
	b = binary.AppendVarint(b, ev.Ingested.UnixMicro())
	b = binary.AppendUvarint(b, uint64(len(ev.Event)))
	return append(b, ev.Event...)
}

// groupSize is the encoded size of one event, within a few bytes.
func groupSize(ev trailbridge.Accepted) int {
	return len(ev.Bus) + len(ev.Rule) + len(ev.Trace) + len(ev.From) + len(ev.Event) + 6*binary.MaxVarintLen64
}

var errBadGroup = errors.New("malformed events message")

// deliveryVersion starts every delivery message. Version 1 had no trace
// header, version 2 no sending bus; both are still read.
const deliveryVersion = 3

// appendDelivery appends one delivery's event to a delivery message begun
// with deliveryVersion: a varint ingestion time in Unix microseconds, the
// uvarint-prefixed trace header, sending bus and JSON. Bus, rule and
// target are in the subject.
func appendDelivery(b []byte, d trailbridge.Delivery) []byte {
	b = binary.AppendVarint(b, d.Ingested.UnixMicro())
	b = binary.AppendUvarint(b, uint64(len(d.Trace)))
	b = append(b, d.Trace...)
	b = binary.AppendUvarint(b, uint64(len(d.From)))
	b = append(b, d.From...)
	b = binary.AppendUvarint(b, uint64(len(d.Event)))
	return append(b, d.Event...)
}

var errBadDelivery = errors.New("malformed delivery message")

// readDeliveries decodes a delivery message into copies of proto, one per
// event.
func readDeliveries(proto trailbridge.Delivery, b []byte) ([]trailbridge.Delivery, error) {
	if len(b) == 0 || b[0] < 1 || b[0] > deliveryVersion {
		return nil, errBadDelivery
	}
	traced, sent := b[0] >= 2, b[0] >= 3
	b = b[1:]
	var out []trailbridge.Delivery
	for len(b) > 0 {
		d := proto
		var ok bool
		if b, ok = readDelivery(&d, b, traced, sent); !ok {
			return nil, errBadDelivery
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, errBadDelivery
	}
	return out, nil
}

// readDelivery reads what appendDelivery wrote into d (without a trace
// header or a sending bus for the versions that had none). The event
// aliases b.
func readDelivery(d *trailbridge.Delivery, b []byte, traced, sent bool) (rest []byte, ok bool) {
	us, n := binary.Varint(b)
	if n <= 0 {
		return nil, false
	}
	rest = b[n:]
	var trace, from []byte
	if traced {
		if trace, rest, ok = readBytes(rest); !ok {
			return nil, false
		}
	}
	if sent {
		if from, rest, ok = readBytes(rest); !ok {
			return nil, false
		}
	}
	ev, rest, ok := readBytes(rest)
	if !ok {
		return nil, false
	}
	d.Event, d.Ingested, d.Trace, d.From = ev, time.UnixMicro(us).UTC(), string(trace), string(from)
	return rest, true
}

// routedVersion starts every routing record.
const routedVersion = 1

// appendRouted appends one delivery to a routing record: its bus, rule and
// target, uvarint-prefixed, then the delivery as appendDelivery writes it.
func appendRouted(b []byte, d trailbridge.Delivery) []byte {
	for _, s := range []string{d.Bus, d.Rule, d.Target} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return appendDelivery(b, d)
}

var errBadRouted = errors.New("malformed routing record")

// readRouted decodes a routing record. The events alias b.
func readRouted(b []byte) ([]trailbridge.Delivery, error) {
	if len(b) == 0 || b[0] != routedVersion {
		return nil, errBadRouted
	}
	b = b[1:]
	var out []trailbridge.Delivery
	for len(b) > 0 {
		var names [3][]byte
		for i := range names {
			var ok bool
			if names[i], b, ok = readBytes(b); !ok {
				return nil, errBadRouted
			}
		}
		d := trailbridge.Delivery{Bus: string(names[0]), Rule: string(names[1]), Target: string(names[2])}
		var ok bool
		if b, ok = readDelivery(&d, b, true, true); !ok {
			return nil, errBadRouted
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, errBadRouted
	}
	return out, nil
}

// readGroup decodes a message written by appendGroup. The events' byte
// slices alias b.
func readGroup(b []byte) ([]trailbridge.Accepted, error) {
	if len(b) == 0 || b[0] < 1 || b[0] > groupVersion {
		return nil, errBadGroup
	}
	traced, sent := b[0] >= 2, b[0] >= 3
	b = b[1:]
	var out []trailbridge.Accepted
	for len(b) > 0 {
		bus, rest, ok := readBytes(b)
		if !ok {
			return nil, errBadGroup
		}
		rule, rest, ok := readBytes(rest)
		if !ok {
			return nil, errBadGroup
		}
		var trace, from []byte
		if traced {
			if trace, rest, ok = readBytes(rest); !ok {
				return nil, errBadGroup
			}
		}
		if sent {
			if from, rest, ok = readBytes(rest); !ok {
				return nil, errBadGroup
			}
		}
		us, n := binary.Varint(rest)
		if n <= 0 {
			return nil, errBadGroup
		}
		ev, rest, ok := readBytes(rest[n:])
		if !ok {
			return nil, errBadGroup
		}
		out = append(out, trailbridge.Accepted{Bus: string(bus), Rule: string(rule), Event: ev, Ingested: time.UnixMicro(us).UTC(), Trace: string(trace), From: string(from)})
		b = rest
	}
	return out, nil
}

func readBytes(b []byte) (v, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, false
	}
	return b[k : k+int(n)], b[k+int(n):], true
}

// escapeToken makes a name one subject or key token: '.', '=', '*', '>'
// and anything outside printable ASCII become =XX.
func escapeToken(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if needsEscape(s[i]) {
			clean = false
			break
		}
	}
	if clean && s != "" {
		return s
	}
	var sb strings.Builder
	if s == "" {
		return "=" // an empty token is not allowed; no name is "="
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c) {
			sb.WriteByte('=')
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
		} else {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func needsEscape(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '/':
		return false
	}
	return true
}

// unescapeToken reverses escapeToken.
func unescapeToken(s string) (string, error) {
	if s == "=" {
		return "", nil
	}
	if !strings.Contains(s, "=") {
		return s, nil
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			sb.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("bad escape in " + s)
		}
		hi, lo := unhex(s[i+1]), unhex(s[i+2])
		if hi < 0 || lo < 0 {
			return "", errors.New("bad escape in " + s)
		}
		sb.WriteByte(byte(hi<<4 | lo))
		i += 2
	}
	return sb.String(), nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
