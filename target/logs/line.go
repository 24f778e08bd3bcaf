package logs

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// encodeLine returns the line of one log event: the payload as the message
// and now as the timestamp, or, for a payload shaped as a log event
// ({"timestamp":…,"message":…}), that event.
func encodeLine(payload []byte, now time.Time) ([]byte, error) {
	ts, msg := now.UnixMilli(), payload
	if t, m, ok := logEvent(payload); ok {
		msg = m
		if t >= 0 {
			ts = t
		}
	}
	var b bytes.Buffer
	b.Grow(len(msg) + len(msg)/8 + 48)
	b.WriteString(`{"timestamp":`)
	b.WriteString(strconv.FormatInt(ts, 10))
	b.WriteString(`,"message":`)
	enc := json.NewEncoder(&b)
	// Unescaped <, > and &: the file is read by people and jq, not
	// embedded in HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(string(msg)); err != nil {
		return nil, err
	}
	// Encode ended the string with a newline; the object ends first.
	b.Truncate(b.Len() - 1)
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// logEvent reads a payload made by the InputTransformer EventBridge
// requires for CloudWatch Logs targets, {"timestamp":<t>,"message":<m>}:
// its timestamp (-1 when it is not a time) and its message, a string as it
// is and any other value as its JSON. ok is false for any other payload.
func logEvent(payload []byte) (ts int64, msg []byte, ok bool) {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 || p[0] != '{' || !bytes.Contains(p, []byte(`"timestamp"`)) || !bytes.Contains(p, []byte(`"message"`)) {
		return 0, nil, false // no need to parse what cannot be one
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(p, &fields); err != nil || len(fields) != 2 || fields["timestamp"] == nil || fields["message"] == nil {
		return 0, nil, false
	}
	msg = bytes.TrimSpace(fields["message"])
	var s string
	if msg[0] == '"' && json.Unmarshal(msg, &s) == nil {
		msg = []byte(s)
	}
	return timestamp(fields["timestamp"]), msg, true
}

// timestamp reads milliseconds since the epoch, as a number or a string
// of digits, or an RFC 3339 time such as an event's "time"; -1 for
// anything else.
func timestamp(raw json.RawMessage) int64 {
	v := bytes.TrimSpace(raw)
	var s string
	if len(v) > 0 && v[0] == '"' {
		if json.Unmarshal(v, &s) != nil {
			return -1
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UnixMilli()
		}
	} else {
		s = string(v)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1<<62 {
		return int64(f)
	}
	return -1
}
