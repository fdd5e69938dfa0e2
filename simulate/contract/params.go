package contract

import (
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
)

// Param is one request field. Order matters for display and for the query
// string Twilio builds, so a call's fields are kept as an ordered list.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Params is an ordered list of request fields; a key appears at most once
// unless added with Add.
type Params []Param

// Get returns the first value of key.
func (p Params) Get(key string) (string, bool) {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Value returns the first value of key or "".
func (p Params) Value(key string) string {
	v, _ := p.Get(key)
	return v
}

// Set replaces the value of key in place, or appends it.
func (p Params) Set(key, value string) Params {
	for i := range p {
		if p[i].Key == key {
			p[i].Value = value
			return p.dropAfter(i, key)
		}
	}
	return append(p, Param{key, value})
}

func (p Params) dropAfter(i int, key string) Params {
	out := p[:i+1]
	for _, kv := range p[i+1:] {
		if kv.Key != key {
			out = append(out, kv)
		}
	}
	return out
}

// Add appends a value even if key is present (repeated form fields).
func (p Params) Add(key, value string) Params { return append(p, Param{key, value}) }

// Del removes every value of key.
func (p Params) Del(key string) Params {
	out := p[:0]
	for _, kv := range p {
		if kv.Key != key {
			out = append(out, kv)
		}
	}
	return out
}

// Clone returns a copy that can be changed independently.
func (p Params) Clone() Params { return append(Params(nil), p...) }

// Values converts to url.Values.
func (p Params) Values() url.Values {
	v := make(url.Values, len(p))
	for _, kv := range p {
		v[kv.Key] = append(v[kv.Key], kv.Value)
	}
	return v
}

// Encode form-encodes in order (spaces as '+', as Twilio sends them).
func (p Params) Encode() string {
	n := 0
	for _, kv := range p {
		n += len(kv.Key) + len(kv.Value) + 2
	}
	var b strings.Builder
	b.Grow(n + n/4) // room for some %XX
	plain := plainKeys.Load()
	if plain != nil && !plain.match(p) {
		plain = nil
	}
	allPlain := true
	for i, kv := range p {
		if i > 0 {
			b.WriteByte('&')
		}
		if plain != nil {
			b.WriteString(kv.Key)
		} else {
			allPlain = writeEscaped(&b, kv.Key) && allPlain
		}
		b.WriteByte('=')
		writeEscaped(&b, kv.Value)
	}
	if plain == nil && allPlain && len(p) > 0 {
		keys := make(keyList, len(p))
		for i, kv := range p {
			keys[i] = kv.Key
		}
		plainKeys.Store(&keys)
	}
	return b.String()
}

// keyList is the keys of a list of fields, in order.
type keyList []string

// match reports whether p has exactly these keys in this order. The keys
// of a call's fields are the same constants call after call, so each
// comparison is usually settled by the strings' pointers.
func (k *keyList) match(p Params) bool {
	if len(*k) != len(p) {
		return false
	}
	for i, key := range *k {
		if p[i].Key != key {
			return false
		}
	}
	return true
}

// plainKeys are the keys Encode last found needing no escaping: every
// request of a load run's calls has the same keys, and Encode writes
// them as they are instead of scanning them byte by byte again.
var plainKeys atomic.Pointer[keyList]

// writeEscaped writes s as url.QueryEscape would, without its allocation:
// letters, digits and -_.~ as they are, space as '+', every other byte as
// %XX. Runs that need no escaping are written whole.
// It reports whether s needed no escaping.
func writeEscaped(b *strings.Builder, s string) bool {
	from := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			continue
		}
		if from < i {
			b.WriteString(s[from:i])
		}
		if c == ' ' {
			b.WriteByte('+')
		} else {
			b.WriteString(percentEncoded[3*int(c) : 3*int(c)+3])
		}
		from = i + 1
	}
	b.WriteString(s[from:])
	return from == 0
}

// percentEncoded holds %00 to %FF, each byte's escape at 3*byte: JSON
// values (the CallToken) escape one byte in four.
var percentEncoded = func() string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, 3*256)
	for c := range 256 {
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}()

// unreserved marks the bytes a query component keeps as they are.
var unreserved = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// ParamsFromValues converts url.Values, keys sorted for a stable order.
func ParamsFromValues(v url.Values) Params {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var p Params
	for _, k := range keys {
		for _, val := range v[k] {
			p = append(p, Param{k, val})
		}
	}
	return p
}

// ParseParams decodes a form body or query string keeping the order of fields.
func ParseParams(s string) (Params, error) {
	var p Params
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		p = append(p, Param{k, v})
	}
	return p, nil
}

// Changed lists the keys whose value differs from prev (new keys included).
func (p Params) Changed(prev Params) []string {
	var out []string
	for _, kv := range p {
		if old, ok := prev.Get(kv.Key); !ok || old != kv.Value {
			out = append(out, kv.Key)
		}
	}
	return out
}

// AppendQuery adds the fields after the URL's existing query string, as
// Twilio does for GET requests.
func AppendQuery(u *url.URL, p Params) {
	if len(p) == 0 {
		return
	}
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += p.Encode()
}
