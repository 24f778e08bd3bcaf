package awsapi

import (
	"context"
	"unicode/utf8"
)

// putEventsOp is op for PutEvents, the one call made at event rates: the
// request is read by decodePutEvents when it can, by decode otherwise.
func putEventsOp(fn func(context.Context, *PutEventsInput) (*PutEventsOutput, error)) handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(PutEventsInput)
		if !decodePutEvents(body, in) {
			*in = PutEventsInput{}
			if err := decode(body, in); err != nil {
				return nil, err
			}
		}
		return fn(ctx, in)
	}
}

// decodePutEvents reads a PutEvents request of the shape SDKs and the CLI
// send, without reflection (the reflective decoder was about 8 % of the CPU
// in a profile of BenchmarkPutEvents). It takes on only what it can read
// exactly as decode does and reports false for anything else: a member it
// does not know or in another letter case, a member given twice, null,
// numbers (Time), \u escapes, bytes that are not UTF-8, anything but JSON
// white space around the object. decode then reads the body again (into a
// fresh value: in may be partly filled) and stays the one source of the
// answer, errors included; FuzzDecodePutEvents holds the two to the same
// result.
func decodePutEvents(body []byte, in *PutEventsInput) bool {
	s := scanner{b: body}
	if !s.take('{') {
		return false
	}
	var seenEntries, seenEndpoint bool
	for more := !s.take('}'); more; {
		name, ok := s.name()
		if !ok {
			return false
		}
		switch string(name) {
		case "Entries":
			if seenEntries {
				return false
			}
			seenEntries = true
			if in.Entries, ok = s.entries(); !ok {
				return false
			}
		case "EndpointId":
			if seenEndpoint {
				return false
			}
			seenEndpoint = true
			v, ok := s.str()
			if !ok {
				return false
			}
			in.EndpointId = s.ptr(v)
		default:
			return false
		}
		if more, ok = s.next('}'); !ok {
			return false
		}
	}
	s.space()
	return s.i == len(s.b)
}

// scanner reads JSON from b at i. Its methods report false on anything the
// fast path leaves to decode.
type scanner struct {
	b       []byte
	i       int
	whole   string   // the body, copied once: values without escapes are slices of it
	scratch []byte   // unescaped strings are built here
	backing []string // holds the *string members
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// take reads c, after white space, if it comes next: an object's or
// array's opening, or its closing when it is empty.
func (s *scanner) take(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// next reads the ',' before another member or element (true), or the
// closing c (false).
func (s *scanner) next(c byte) (more, ok bool) {
	s.space()
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ',':
			s.i++
			return true, true
		case c:
			s.i++
			return false, true
		}
	}
	return false, false
}

// name reads a member's name, which has no escapes, and its colon.
func (s *scanner) name() ([]byte, bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	for s.i = start; s.i < len(s.b) && s.b[s.i] != '"'; s.i++ {
		if c := s.b[s.i]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return nil, false
		}
	}
	if s.i >= len(s.b) {
		return nil, false
	}
	n := s.b[start:s.i]
	s.i++
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ':' {
		s.i++
		return n, true
	}
	return nil, false
}

// str reads a string. The common case, no escapes, is one copy.
func (s *scanner) str() (string, bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	s.i++
	start := s.i
	ascii := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			if !ascii && !utf8.Valid(v) {
				return "", false
			}
			return s.sub(start, s.i-1), true
		case c == '\\':
			return s.escaped(start, ascii)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		s.i++
	}
	return "", false
}

// escaped finishes a string, begun at start, whose first backslash is at i.
// It unescapes into the scanner's scratch buffer, a run of plain bytes at a
// time.
func (s *scanner) escaped(start int, ascii bool) (string, bool) {
	out := append(s.scratch[:0], s.b[start:s.i]...)
	for s.i < len(s.b) {
		run := s.i
		for s.i < len(s.b) {
			c := s.b[s.i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			if c >= utf8.RuneSelf {
				ascii = false
			}
			s.i++
		}
		out = append(out, s.b[run:s.i]...)
		if s.i >= len(s.b) {
			break
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			s.scratch = out
			if !ascii && !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		}
		if s.i+1 >= len(s.b) {
			return "", false
		}
		switch e := s.b[s.i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default: // \u and invalid escapes
			return "", false
		}
		s.i += 2
	}
	return "", false
}

// sub returns b[i:j] as a string: a slice of one copy of the whole body,
// made when first needed, rather than a copy per value.
func (s *scanner) sub(i, j int) string {
	if s.whole == "" {
		s.whole = string(s.b)
	}
	return s.whole[i:j]
}

// ptr returns a pointer to a copy of v. The strings of a request share a
// few backing arrays instead of one allocation each.
func (s *scanner) ptr(v string) *string {
	if len(s.backing) == cap(s.backing) {
		s.backing = make([]string, 0, 32)
	}
	s.backing = append(s.backing, v)
	return &s.backing[len(s.backing)-1]
}

func (s *scanner) entries() ([]PutEventsEntry, bool) {
	if !s.take('[') {
		return nil, false
	}
	es := make([]PutEventsEntry, 0, 10)
	for more := !s.take(']'); more; {
		var e PutEventsEntry
		if !s.entry(&e) {
			return nil, false
		}
		es = append(es, e)
		var ok bool
		if more, ok = s.next(']'); !ok {
			return nil, false
		}
	}
	return es, true
}

func (s *scanner) entry(e *PutEventsEntry) bool {
	if !s.take('{') {
		return false
	}
	var seen uint8
	for more := !s.take('}'); more; {
		name, ok := s.name()
		if !ok {
			return false
		}
		var bit uint8
		var dst **string
		switch string(name) {
		case "Source":
			bit, dst = 1, &e.Source
		case "DetailType":
			bit, dst = 2, &e.DetailType
		case "Detail":
			bit, dst = 4, &e.Detail
		case "EventBusName":
			bit, dst = 8, &e.EventBusName
		case "TraceHeader":
			bit, dst = 16, &e.TraceHeader
		case "Resources":
			bit = 32
		default: // Time, and members decode must judge
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		if dst != nil {
			v, ok := s.str()
			if !ok {
				return false
			}
			*dst = s.ptr(v)
		} else if e.Resources, ok = s.strs(); !ok {
			return false
		}
		if more, ok = s.next('}'); !ok {
			return false
		}
	}
	return true
}

func (s *scanner) strs() ([]string, bool) {
	if !s.take('[') {
		return nil, false
	}
	out := []string{}
	for more := !s.take(']'); more; {
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if more, ok = s.next(']'); !ok {
			return nil, false
		}
	}
	return out, true
}
