package transform

// variable is a placeholder of a template: an InputPathsMap entry or a
// predefined variable.
type variable struct {
	name string
	pre  predefined
	path *path // for InputPathsMap entries; nil when outside the subset
}

// predefined identifies the variables EventBridge provides without a map
// entry. Their names contain dots, which InputPathsMap keys cannot, so a
// map can never shadow them.
type predefined uint8

const (
	notPredefined    predefined = iota
	preRuleArn                  // aws.events.rule-arn
	preRuleName                 // aws.events.rule-name
	preIngestionTime            // aws.events.event.ingestion-time
	preEvent                    // aws.events.event
	preEventJSON                // aws.events.event.json
)

func predefinedNamed(name string) predefined {
	switch name {
	case "aws.events.rule-arn":
		return preRuleArn
	case "aws.events.rule-name":
		return preRuleName
	case "aws.events.event.ingestion-time":
		return preIngestionTime
	case "aws.events.event":
		return preEvent
	case "aws.events.event.json":
		return preEventJSON
	}
	return notPredefined
}

// IngestionTimeLayout is how aws.events.event.ingestion-time is written:
// ISO 8601 in UTC with milliseconds. EventBridge documents only "an ISO 8601
// timestamp"; no recording shows whether it carries milliseconds, and they
// keep the order of events received within one second visible.
const IngestionTimeLayout = "2006-01-02T15:04:05.000Z"

// value returns the variable's raw JSON text for one event.
func (p predefined) value(res *result, c Context) []byte {
	switch p {
	case preRuleArn:
		return appendString(nil, c.RuleArn)
	case preRuleName:
		return appendString(nil, c.RuleName)
	case preIngestionTime:
		return appendString(nil, c.IngestionTime.UTC().Format(IngestionTimeLayout))
	case preEventJSON:
		return res.event[res.root.start:res.root.end]
	case preEvent:
		if res.event[res.root.start] != '{' {
			return nil
		}
		return appendEventWithoutDetail(make([]byte, 0, 512), res)
	}
	return nil
}

// eventKeyRank orders the members of aws.events.event as EventBridge
// delivered them in the recorded case (-1: not an envelope field).
func eventKeyRank(raw []byte) int {
	for i, k := range [...]string{"id", "account", "detail-type", "time", "source", "region", "resources", "version"} {
		if keyIs(raw, k) {
			return i
		}
	}
	return -1
}

// appendEventWithoutDetail renders aws.events.event: the envelope without
// detail, with detail-type renamed detailType, and the envelope fields in
// the order EventBridge wrote them (id, account, detailType, time, source,
// region, resources, version). Other top-level fields, such as a replayed
// event's replay-name, follow in their own order. Its time is the event's
// time field.
func appendEventWithoutDetail(dst []byte, res *result) []byte {
	dst = append(dst, '{')
	first := true
	emit := func(key []byte, m member) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, key...)
		dst = append(dst, ':')
		dst = appendCompact(dst, res.event[m.val.start:m.val.end])
	}
	raw := func(m member) []byte { return res.event[m.key.start:m.key.end] }
	for rank := 0; rank < 8; rank++ {
		// The last duplicate wins, as in EventBridge's JSON parser.
		for i := len(res.top) - 1; i >= 0; i-- {
			m := res.top[i]
			if eventKeyRank(raw(m)) != rank {
				continue
			}
			key := raw(m)
			if rank == 2 {
				key = []byte(`"detailType"`)
			}
			emit(key, m)
			break
		}
	}
	for i, m := range res.top {
		if eventKeyRank(raw(m)) >= 0 || keyIs(raw(m), "detail") || redefinedLater(res, i) {
			continue
		}
		emit(raw(m), m)
	}
	return append(dst, '}')
}

// redefinedLater reports whether a later top-level member has the same key
// as member i.
func redefinedLater(res *result, i int) bool {
	k := res.event[res.top[i].key.start:res.top[i].key.end]
	for _, m := range res.top[i+1:] {
		if keyIs(k, string(appendUnquoted(nil, res.event[m.key.start:m.key.end]))) {
			return true
		}
	}
	return false
}
