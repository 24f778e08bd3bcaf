package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Sign signs r, whose body is body, with SigV4 in an Authorization header,
// as AWS SDKs do, for trailbridge's own clients. It sets X-Amz-Date,
// X-Amz-Security-Token when sessionToken is not empty (and removes a stale
// one when it is), and Authorization. The signature covers the host, the
// date, the token, Content-Type and X-Amz-Target when r has them, the path,
// the query and the body; set other headers after signing or leave them
// unsigned. t is the signing time; the receiver refuses it when it is more
// than five minutes off its clock.
func Sign(r *http.Request, body []byte, accessKeyID, secret, sessionToken, service, region string, t time.Time) error {
	if accessKeyID == "" || secret == "" {
		return errors.New("sigv4: sign: no credentials")
	}
	if service == "" || region == "" {
		return errors.New("sigv4: sign: service and region are required")
	}
	if r.Host == "" && r.URL.Host == "" {
		return errors.New("sigv4: sign: request has no host")
	}
	date := t.UTC().Format(amzDateLayout)
	r.Header.Set("X-Amz-Date", date)
	signed := []string{"host", "x-amz-date"}
	if sessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", sessionToken)
		signed = append(signed, "x-amz-security-token")
	} else {
		r.Header.Del("X-Amz-Security-Token")
	}
	for _, h := range []string{"Content-Type", "X-Amz-Target"} {
		if len(r.Header.Values(h)) > 0 {
			signed = append(signed, strings.ToLower(h))
		}
	}
	slices.Sort(signed)

	sc := scope{accessKeyID: accessKeyID, date: date[:len(scopeDateLayout)], region: region, service: service, terminator: terminator}
	// Parse errors are ignored: the pairs url.ParseQuery drops are dropped
	// by the verifier too.
	query, _ := url.ParseQuery(r.URL.RawQuery)
	c := canonicalRequest(r, canonicalURIs(r.URL.EscapedPath())[0], canonicalQuery(query, false), signed, hashHex(body))
	sig := signature(secret, sc, stringToSign(date, sc, c))
	r.Header.Set("Authorization", algorithm+" Credential="+accessKeyID+"/"+sc.String()+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
	return nil
}
