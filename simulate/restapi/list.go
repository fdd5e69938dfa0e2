package restapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Page is the list envelope, as Twilio renders it.
type Page struct {
	Calls           []Call  `json:"calls"`
	Page            int     `json:"page"`
	PageSize        int     `json:"page_size"`
	Start           int     `json:"start"`
	End             int     `json:"end"`
	URI             string  `json:"uri"`
	FirstPageURI    string  `json:"first_page_uri"`
	NextPageURI     *string `json:"next_page_uri"`
	PreviousPageURI *string `json:"previous_page_uri"`
}

// timeFilter is one of StartTime, StartTime<, StartTime> (or EndTime's).
type timeFilter struct {
	key string // as on the wire
	op  byte   // '=', '<', '>'
	t   time.Time
}

// match compares at day granularity for '=', as a date names a UTC day;
// '<' is before the instant, '>' on or after it. A call without the time
// (not dialled, not completed) matches no filter on it.
func (tf timeFilter) match(v time.Time) bool {
	if v.IsZero() {
		return false
	}
	v = v.UTC()
	switch tf.op {
	case '<':
		return v.Before(tf.t)
	case '>':
		return !v.Before(tf.t)
	}
	y1, m1, d1 := v.Date()
	y2, m2, d2 := tf.t.Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

type listQuery struct {
	status, to, from, parent string
	filters                  []timeFilter // StartTime… then EndTime…
	pageSize, page           int
	token                    string
	raw                      url.Values
}

func invalidParam(name, value, want string) *APIError {
	return apiErr(http.StatusBadRequest, codeInvalidParameter, fmt.Sprintf("Invalid %s: %q; %s", name, value, want))
}

func parseListQuery(q url.Values) (listQuery, *APIError) {
	f := form(q)
	lq := listQuery{pageSize: 50, raw: q}
	lq.status = f.get("Status")
	if lq.status != "" && !slices.Contains(resourceStatuses, Status(lq.status)) {
		return lq, invalidParam("Status", lq.status, "want one of queued, ringing, in-progress, completed, busy, failed, no-answer, canceled")
	}
	// Filters are matched against numbers as stored, so any notation finds them.
	for _, p := range []struct {
		key string
		dst *string
	}{{"To", &lq.to}, {"From", &lq.from}} {
		v := f.get(p.key)
		if d, err := parseDestination(v); err == nil {
			v = d.value
		}
		*p.dst = v
	}
	lq.parent = f.get("ParentCallSid")
	for _, base := range []string{"StartTime", "EndTime"} {
		for _, op := range []string{"", "<", ">"} {
			key := base + op
			v := f.get(key)
			if v == "" {
				continue
			}
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				t, err = time.Parse(time.RFC3339, v)
			}
			if err != nil {
				return lq, invalidParam(key, v, "want YYYY-MM-DD or an RFC 3339 time")
			}
			tf := timeFilter{key: key, op: '=', t: t.UTC()}
			if op != "" {
				tf.op = op[0]
			}
			lq.filters = append(lq.filters, tf)
		}
	}
	if v := f.get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return lq, invalidParam("PageSize", v, "want a whole number from 1 to 1000")
		}
		lq.pageSize = n
	}
	if v := f.get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return lq, invalidParam("Page", v, "want a whole number from 0")
		}
		lq.page = n
	}
	lq.token = f.get("PageToken")
	if lq.token != "" && !(strings.HasPrefix(lq.token, "PA") || strings.HasPrefix(lq.token, "PB")) {
		return lq, invalidParam("PageToken", lq.token, "use the next_page_uri or previous_page_uri of a page")
	}
	return lq, nil
}

func (lq *listQuery) match(r *record) bool {
	if lq.status != "" && string(r.publicStatus()) != lq.status ||
		lq.to != "" && r.to != lq.to ||
		lq.from != "" && r.from != lq.from ||
		lq.parent != "" { // calls created through the API have no parent
		return false
	}
	for _, tf := range lq.filters {
		v := r.start
		if strings.HasPrefix(tf.key, "EndTime") {
			v = r.end
			if r.status != StatusCompleted {
				v = time.Time{}
			}
		}
		if !tf.match(v) {
			return false
		}
	}
	return true
}

// uri renders the page's path and query in Twilio's parameter order.
func (lq *listQuery) uri(path string, page int, token string) string {
	var b strings.Builder
	b.WriteString(path)
	sep := byte('?')
	add := func(k, v string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	for _, k := range []string{"Status", "To", "From", "StartTime", "StartTime<", "StartTime>", "ParentCallSid", "EndTime", "EndTime<", "EndTime>"} {
		if v := form(lq.raw).get(k); v != "" {
			add(k, v)
		}
	}
	add("PageSize", strconv.Itoa(lq.pageSize))
	add("Page", strconv.Itoa(page))
	if token != "" {
		add("PageToken", token)
	}
	return b.String()
}

// list pages through the calls newest first. A PageToken names the call
// the page continues after (PA) or ends before (PB), so a page does not
// shift when calls are created between requests; a token whose call is
// gone falls back to the offset Page × PageSize.
func (s *Server) list(w http.ResponseWriter, r *http.Request, account string) {
	lq, e := parseListQuery(r.URL.Query())
	if e != nil {
		writeErr(w, e)
		return
	}
	path := accountsPrefix + account + "/Calls.json"

	s.st.mu.Lock()
	var matched []*record // newest first
	for el := s.st.order.Back(); el != nil; el = el.Prev() {
		if rec := el.Value.(*record); lq.match(rec) {
			matched = append(matched, rec)
		}
	}
	from := min(lq.page*lq.pageSize, len(matched))
	to := min(from+lq.pageSize, len(matched))
	if len(lq.token) > 2 {
		if tok := s.st.get(lq.token[2:]); tok != nil {
			// matched is in descending creation order.
			if lq.token[:2] == "PA" {
				from = sort.Search(len(matched), func(i int) bool { return matched[i].seq < tok.seq })
				to = min(from+lq.pageSize, len(matched))
			} else {
				to = sort.Search(len(matched), func(i int) bool { return matched[i].seq <= tok.seq })
				from = max(0, to-lq.pageSize)
			}
		}
	}
	page := Page{
		Calls:    make([]Call, 0, to-from),
		Page:     lq.page,
		PageSize: lq.pageSize,
		Start:    lq.page * lq.pageSize,
	}
	for _, rec := range matched[from:to] {
		page.Calls = append(page.Calls, rec.resource())
	}
	s.st.mu.Unlock()

	page.End = page.Start + max(len(page.Calls)-1, 0)
	page.URI = lq.uri(path, lq.page, lq.token)
	page.FirstPageURI = lq.uri(path, 0, "")
	if to < len(matched) && len(page.Calls) > 0 {
		page.NextPageURI = strp(lq.uri(path, lq.page+1, "PA"+page.Calls[len(page.Calls)-1].Sid))
	}
	if lq.page > 0 {
		tok := ""
		if len(page.Calls) > 0 {
			tok = "PB" + page.Calls[0].Sid
		}
		page.PreviousPageURI = strp(lq.uri(path, lq.page-1, tok))
	}
	writeJSON(w, http.StatusOK, page)
}
