package natsjs

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge"
)

// queueMsgVersion starts every stored queue message.
const queueMsgVersion = 1

// appendQueueMessage encodes a queue message: version, then the
// uvarint-prefixed id, body, sender, group and deduplication ids, the sent
// time in Unix nanoseconds and the delay in nanoseconds (varints), the
// number of attributes and per attribute its name, data type, a flag byte
// (1: string value, 2: binary value) and the values present. A binary
// format rather than JSON: a body of 256 KiB is copied, not escaped.
func appendQueueMessage(b []byte, m *trailbridge.QueueMessage) []byte {
	b = append(b, queueMsgVersion)
	b = appendStr(b, m.ID)
	b = appendStr(b, m.Body)
	b = appendStr(b, m.SenderID)
	b = appendStr(b, m.GroupID)
	b = appendStr(b, m.DeduplicationID)
	b = binary.AppendVarint(b, m.SentAt.UnixNano())
	b = binary.AppendVarint(b, int64(m.Delay))
	b = binary.AppendUvarint(b, uint64(len(m.Attributes)))
	for name, a := range m.Attributes {
		b = appendStr(b, name)
		b = appendStr(b, a.DataType)
		var flags byte
		if a.StringValue != nil {
			flags |= 1
		}
		if a.BinaryValue != nil {
			flags |= 2
		}
		b = append(b, flags)
		if a.StringValue != nil {
			b = appendStr(b, *a.StringValue)
		}
		if a.BinaryValue != nil {
			b = binary.AppendUvarint(b, uint64(len(a.BinaryValue)))
			b = append(b, a.BinaryValue...)
		}
	}
	return b
}

// queueMessageSize is the encoded size of m, within a few bytes.
func queueMessageSize(m *trailbridge.QueueMessage) int {
	n := 64 + len(m.ID) + len(m.Body) + len(m.SenderID) + len(m.GroupID) + len(m.DeduplicationID)
	for name, a := range m.Attributes {
		n += 32 + len(name) + len(a.DataType) + len(a.BinaryValue)
		if a.StringValue != nil {
			n += len(*a.StringValue)
		}
	}
	return n
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errBadQueueMsg = errors.New("malformed queue message")

// readQueueMessage decodes what appendQueueMessage wrote. Nothing aliases b.
func readQueueMessage(b []byte) (trailbridge.QueueMessage, error) {
	var m trailbridge.QueueMessage
	if len(b) == 0 || b[0] != queueMsgVersion {
		return m, errBadQueueMsg
	}
	r := reader{b: b[1:]}
	m.ID = r.str()
	m.Body = r.str()
	m.SenderID = r.str()
	m.GroupID = r.str()
	m.DeduplicationID = r.str()
	m.SentAt = time.Unix(0, r.varint()).UTC()
	m.Delay = time.Duration(r.varint())
	n := r.uvarint()
	if n > uint64(len(r.b)) { // every attribute takes at least a byte
		return m, errBadQueueMsg
	}
	if n > 0 {
		m.Attributes = make(map[string]trailbridge.MessageAttribute, n)
	}
	for range n {
		name := r.str()
		a := trailbridge.MessageAttribute{DataType: r.str()}
		flags := r.byte()
		if flags&^3 != 0 {
			r.bad = true
		}
		if flags&1 != 0 {
			s := r.str()
			a.StringValue = &s
		}
		if flags&2 != 0 {
			a.BinaryValue = []byte(r.str())
		}
		m.Attributes[name] = a
	}
	if r.bad || len(r.b) != 0 {
		return trailbridge.QueueMessage{}, errBadQueueMsg
	}
	return m, nil
}

// reader reads the fields of an encoded message; after the first bad
// field it returns zero values and sets bad.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.bad {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if r.bad || len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// A receipt names one delivery of one message: it is the acknowledgement
// subject JetStream gave that delivery, taken apart. The stream and consumer
// names are left out and put back from the queue named in the call, so that a
// receipt can only ever address the acknowledgements of that queue's
// consumer, however it was forged; a checksum over the stream name and the
// rest tells a receipt of another queue (or a mangled one) from a valid one.
//
// Layout, before base64url: version, form (1: $JS.ACK.<stream>.<consumer>.…,
// 2: $JS.ACK.<domain>.<account hash>.<stream>.<consumer>.…), for form 2 the
// uvarint-prefixed domain and account hash, then the five numbers of the
// subject as uvarints (delivery count, stream and consumer sequence,
// timestamp, pending), from version 2 the time of the receive (Unix
// milliseconds, uvarint), then the big-endian CRC-32 of stream name and all
// that precedes it. The receive's time bounds how long ChangeVisibility may
// keep the message invisible; version 1 receipts, handed out by earlier
// releases, are still read, without that bound.
const receiptVersion = 2

type ackSubject struct {
	form                   byte
	domain, account        string
	stream, consumer       string
	dc, sseq, dseq, ts, np uint64
}

// parseAckSubject takes apart a JetStream acknowledgement subject.
func parseAckSubject(s string) (ackSubject, error) {
	var a ackSubject
	toks := strings.Split(s, ".")
	var nums []string
	switch {
	case len(toks) == 9 && toks[0] == "$JS" && toks[1] == "ACK":
		a.form, a.stream, a.consumer, nums = 1, toks[2], toks[3], toks[4:9]
	case len(toks) >= 11 && toks[0] == "$JS" && toks[1] == "ACK":
		a.form, a.domain, a.account, a.stream, a.consumer, nums = 2, toks[2], toks[3], toks[4], toks[5], toks[6:11]
	default:
		return a, fmt.Errorf("not an acknowledgement subject: %q", s)
	}
	vals := []*uint64{&a.dc, &a.sseq, &a.dseq, &a.ts, &a.np}
	for i, t := range nums {
		v, err := strconv.ParseUint(t, 10, 64)
		if err != nil {
			return a, fmt.Errorf("acknowledgement subject %q: %w", s, err)
		}
		*vals[i] = v
	}
	return a, nil
}

func (a ackSubject) String() string {
	var sb strings.Builder
	sb.WriteString("$JS.ACK.")
	if a.form == 2 {
		sb.WriteString(a.domain + "." + a.account + ".")
	}
	sb.WriteString(a.stream + "." + a.consumer)
	for _, v := range []uint64{a.dc, a.sseq, a.dseq, a.ts, a.np} {
		sb.WriteByte('.')
		sb.WriteString(strconv.FormatUint(v, 10))
	}
	return sb.String()
}

// encodeReceipt makes the receipt of a delivery received at recv.
func encodeReceipt(a ackSubject, recv time.Time) string {
	b := []byte{receiptVersion, a.form}
	if a.form == 2 {
		b = appendStr(b, a.domain)
		b = appendStr(b, a.account)
	}
	for _, v := range []uint64{a.dc, a.sseq, a.dseq, a.ts, a.np} {
		b = binary.AppendUvarint(b, v)
	}
	b = binary.AppendUvarint(b, uint64(max(recv.UnixMilli(), 0)))
	b = binary.BigEndian.AppendUint32(b, receiptSum(a.stream, b))
	return base64.RawURLEncoding.EncodeToString(b)
}

func receiptSum(stream string, b []byte) uint32 {
	h := crc32.NewIEEE()
	h.Write([]byte(stream))
	h.Write([]byte{0})
	h.Write(b)
	return h.Sum32()
}

// decodeReceipt reads a receipt of the queue whose stream and consumer are
// named, and the time of its receive (zero for a version 1 receipt). Every
// failure wraps trailbridge.ErrInvalidReceipt.
func decodeReceipt(receipt, stream, consumer string) (ackSubject, time.Time, error) {
	bad := func(why string) (ackSubject, time.Time, error) {
		return ackSubject{}, time.Time{}, fmt.Errorf("%w: %s", trailbridge.ErrInvalidReceipt, why)
	}
	if len(receipt) > 1024 {
		return bad("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(receipt)
	if err != nil {
		return bad("not base64url")
	}
	if len(b) < 2+5+4 || (b[0] != 1 && b[0] != 2) {
		return bad("unknown version")
	}
	version := b[0]
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if receiptSum(stream, body) != sum {
		return bad("not a receipt of this queue")
	}
	a := ackSubject{form: body[1], stream: stream, consumer: consumer}
	r := reader{b: body[2:]}
	switch a.form {
	case 1:
	case 2:
		a.domain, a.account = r.str(), r.str()
		if !validToken(a.domain) || !validToken(a.account) {
			return bad("bad subject token")
		}
	default:
		return bad("unknown form")
	}
	for _, v := range []*uint64{&a.dc, &a.sseq, &a.dseq, &a.ts, &a.np} {
		*v = r.uvarint()
	}
	var recv time.Time
	if version >= 2 {
		ms := r.uvarint()
		if ms > math.MaxInt64 {
			return bad("receive time out of range")
		}
		if ms > 0 {
			recv = time.UnixMilli(int64(ms))
		}
	}
	if r.bad || len(r.b) != 0 || a.sseq == 0 || a.dseq == 0 || a.dc == 0 {
		return bad("malformed")
	}
	return a, recv, nil
}

// validToken reports whether s can stand as one token of a subject we
// publish to.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.', c == '*', c == '>', c <= ' ', c >= 127:
			return false
		}
	}
	return true
}
