package restapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"github.com/callsim/callsim/simulate/contract"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultMaxCalls is how many calls a Server keeps when Config.MaxCalls is
// zero: about 5 MB (a stored call takes some 520 bytes). Past it the oldest
// ended call is forgotten.
const DefaultMaxCalls = 10000

// DefaultTimeLimit is the TimeLimit of a call that sends none: 4 hours,
// Twilio's usual account limit.
const DefaultTimeLimit = 4 * 60 * 60

// Application is a TwiML app a create may name with ApplicationSid; its
// settings replace the request's Url, Method, Fallback* and StatusCallback*.
type Application struct {
	VoiceUrl, VoiceMethod                 string
	VoiceFallbackUrl, VoiceFallbackMethod string
	StatusCallback, StatusCallbackMethod  string
}

// Config sets up a Server. AccountSid, AuthToken and Dialer are required.
type Config struct {
	AccountSid string // AC + 32 hex digits
	AuthToken  string // letters and digits only, as twilio-go requires
	// APIKeys are API key SIDs (SK…) and their secrets, accepted in place of
	// the account SID and auth token.
	APIKeys map[string]string
	// TestAccountSid and TestAuthToken, when set, are test credentials:
	// they may only create calls, which are validated (From must be
	// +15005550006), answered and never run, as on Twilio.
	TestAccountSid, TestAuthToken string
	// CallerIDs, when not empty, are the account's numbers (E.164) with
	// their PN… SIDs (may be empty): a phone From outside them gets 21210,
	// and a known SID shows as the call's phone_number_sid.
	CallerIDs    map[string]string
	Applications map[string]Application
	Rules        Rules // outcome by destination; DefaultOutcome() otherwise
	Dialer       Dialer
	MaxCalls     int // calls kept in memory; DefaultMaxCalls when zero
	TimeLimit    int // seconds; DefaultTimeLimit when zero
	// ChangeWait bounds how long an update that hangs up or cancels a call
	// waits for the engine to report the end before answering; 5 s when zero.
	ChangeWait time.Duration
	Now        func() time.Time // time.Now when nil
	Seed       uint64           // makes SIDs reproducible when not zero
	// OnRequest, when set, is called after each API request is answered,
	// from the request's goroutine.
	OnRequest func(Access)
}

// Server answers the Calls API. It is an http.Handler, safe for concurrent use.
type Server struct {
	cfg    Config
	st     *store
	closed bool // guarded by st.mu
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	rngMu sync.Mutex
	rng   *rand.Rand
}

// New checks cfg and returns a Server; errors name the Config field.
func New(cfg Config) (*Server, error) {
	if !contract.ValidSID("AC", cfg.AccountSid) {
		return nil, fmt.Errorf("restapi config: AccountSid %q: want AC and 32 hex digits", cfg.AccountSid)
	}
	if !ValidSecret(cfg.AuthToken) {
		return nil, errors.New("restapi config: AuthToken: want letters and digits only (twilio-go refuses others)")
	}
	for sid, secret := range cfg.APIKeys {
		if !contract.ValidSID("SK", sid) || !ValidSecret(secret) {
			return nil, fmt.Errorf("restapi config: APIKeys %q: want SK and 32 hex digits with a secret of letters and digits", sid)
		}
	}
	if cfg.TestAccountSid != "" || cfg.TestAuthToken != "" {
		if !contract.ValidSID("AC", cfg.TestAccountSid) || !ValidSecret(cfg.TestAuthToken) || cfg.TestAccountSid == cfg.AccountSid {
			return nil, errors.New("restapi config: TestAccountSid/TestAuthToken: want an AC SID other than AccountSid and a token of letters and digits")
		}
	}
	for num := range cfg.CallerIDs {
		if d, err := parseDestination(num); err != nil || !d.phone || d.value != num {
			return nil, fmt.Errorf("restapi config: CallerIDs %q: want a phone number in E.164", num)
		}
	}
	for sid, app := range cfg.Applications {
		if !contract.ValidSID("AP", sid) {
			return nil, fmt.Errorf("restapi config: Applications %q: want AP and 32 hex digits", sid)
		}
		if app.VoiceUrl != "" {
			if _, e := (form{"u": {app.VoiceUrl}}).url("u", 0); e != nil {
				return nil, fmt.Errorf("restapi config: Applications %s: VoiceUrl %q is not an absolute http(s) URL", sid, app.VoiceUrl)
			}
		}
	}
	if cfg.Dialer == nil {
		return nil, errors.New("restapi config: Dialer: required")
	}
	if cfg.MaxCalls < 0 || cfg.TimeLimit < 0 || cfg.ChangeWait < 0 {
		return nil, errors.New("restapi config: MaxCalls, TimeLimit, ChangeWait: must not be negative")
	}
	cfg.MaxCalls = orDefaultInt(cfg.MaxCalls, DefaultMaxCalls)
	cfg.TimeLimit = orDefaultInt(cfg.TimeLimit, DefaultTimeLimit)
	if cfg.ChangeWait == 0 {
		cfg.ChangeWait = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s := &Server{cfg: cfg, st: newStore(cfg.MaxCalls), rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Close stops accepting calls, cancels the running ones' contexts and
// waits for their Dialer.Start to return.
func (s *Server) Close() {
	s.st.mu.Lock()
	s.closed = true
	s.st.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// Get returns the call as the API would show it.
func (s *Server) Get(sid string) (Call, bool) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if rec := s.st.get(sid); rec != nil {
		return rec.resource(), true
	}
	return Call{}, false
}

// Wait blocks until the call has ended (or ctx is done) and returns it.
func (s *Server) Wait(ctx context.Context, sid string) (Call, error) {
	for {
		s.st.mu.Lock()
		rec := s.st.get(sid)
		if rec == nil {
			s.st.mu.Unlock()
			return Call{}, fmt.Errorf("call %s: not found", sid)
		}
		if rec.status.Ended() {
			c := rec.resource()
			s.st.mu.Unlock()
			return c, nil
		}
		ch := rec.changed
		s.st.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Call{}, fmt.Errorf("call %s: %w", sid, ctx.Err())
		}
	}
}

// ValidSecret reports whether s can be an auth token or API key secret:
// letters and digits only, which is what the official SDKs accept.
func ValidSecret(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func orDefaultInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

func (s *Server) newSID(prefix string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, len(prefix)+32)
	copy(b, prefix)
	s.rngMu.Lock()
	for i := len(prefix); i < len(b); i += 16 {
		v := s.rng.Uint64()
		for j := 0; j < 16; j++ {
			b[i+j] = hex[v&15]
			v >>= 4
		}
	}
	s.rngMu.Unlock()
	return string(b)
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authenticate returns the account the credentials open and whether they
// are test credentials.
func (s *Server) authenticate(r *http.Request) (account string, test, ok bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", false, false
	}
	switch {
	case user == s.cfg.AccountSid:
		return s.cfg.AccountSid, false, eq(pass, s.cfg.AuthToken)
	case s.cfg.TestAccountSid != "" && user == s.cfg.TestAccountSid:
		return s.cfg.TestAccountSid, true, eq(pass, s.cfg.TestAuthToken)
	}
	if secret, found := s.cfg.APIKeys[user]; found {
		return s.cfg.AccountSid, false, eq(pass, secret)
	}
	return "", false, false
}

const accountsPrefix = "/2010-04-01/Accounts/"

// maxBody bounds a request body: Twiml is at most 4000 characters and the
// other parameters are short.
const maxBody = 64 << 10

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.OnRequest == nil {
		s.serve(w, r)
		return
	}
	start := s.cfg.Now()
	began := time.Now()
	aw := &accessWriter{ResponseWriter: w, a: Access{Time: start, Method: r.Method, Path: r.URL.RequestURI()}}
	s.serve(aw, r)
	aw.a.Elapsed = time.Since(began)
	s.cfg.OnRequest(aw.a)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	account, test, ok := s.authenticate(r)
	if !ok {
		writeErr(w, apiErr(http.StatusUnauthorized, codeAuthenticate, "Authenticate"))
		return
	}
	notFound := apiErr(http.StatusNotFound, codeNotFound, "The requested resource "+r.URL.Path+" was not found")
	rest, found := strings.CutPrefix(r.URL.Path, accountsPrefix)
	if !found {
		writeErr(w, notFound)
		return
	}
	pathAccount, rest, _ := strings.Cut(rest, "/")
	if pathAccount != account {
		// Credentials of one account do not open another's resources.
		writeErr(w, apiErr(http.StatusUnauthorized, codeAuthenticate, "Authenticate"))
		return
	}
	var sid string
	switch {
	case rest == "Calls.json":
	case strings.HasPrefix(rest, "Calls/") && strings.HasSuffix(rest, ".json") && contract.ValidSID("CA", rest[len("Calls/"):len(rest)-len(".json")]):
		sid = rest[len("Calls/") : len(rest)-len(".json")]
	default:
		writeErr(w, notFound)
		return
	}
	noteSid(w, sid)
	if test && (sid != "" || r.Method != http.MethodPost) {
		writeErr(w, apiErr(http.StatusForbidden, codeTestCredentials, "Resource not accessible with Test Account Credentials"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	switch {
	case sid == "" && r.Method == http.MethodPost:
		s.create(w, r, account, test)
	case sid == "" && r.Method == http.MethodGet:
		s.list(w, r, account)
	case sid != "" && r.Method == http.MethodGet:
		s.fetch(w, sid, notFound)
	case sid != "" && r.Method == http.MethodPost:
		s.update(w, r, sid, notFound)
	case sid != "" && r.Method == http.MethodDelete:
		s.delete(w, sid, notFound)
	default:
		allow := "GET, POST, DELETE"
		if sid == "" {
			allow = "GET, POST"
		}
		w.Header().Set("Allow", allow)
		writeErr(w, apiErr(http.StatusMethodNotAllowed, codeMethodNotAllowed, "Method not allowed"))
	}
}

func parseForm(r *http.Request) (form, *APIError) {
	if err := r.ParseForm(); err != nil {
		return nil, apiErr(http.StatusBadRequest, codeInvalidParameter, "Unreadable form body: "+err.Error())
	}
	return form(r.PostForm), nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, account string, test bool) {
	f, e := parseForm(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	req, to, from, e := s.parseCreate(f, test)
	if e != nil {
		writeErr(w, e)
		return
	}
	now := s.cfg.Now()
	req.Sid, req.AccountSid, req.Created = s.newSID("CA"), account, now
	req.Outcome = s.cfg.Rules.Match(req.To)
	rec := &record{
		sid: req.Sid, account: account,
		to: to.value, toFmt: to.formatted, from: from.value, fromFmt: from.formatted,
		numberSid: s.cfg.CallerIDs[from.value],
		status:    StatusQueued, created: now, updated: now,
		changed: make(chan struct{}),
	}
	if test {
		noteSid(w, rec.sid)
		writeJSON(w, http.StatusCreated, rec.resource())
		return
	}
	live := &Live{s: s, rec: rec, changes: make(chan Change), done: make(chan struct{})}
	rec.live = live
	s.st.mu.Lock()
	if s.closed {
		s.st.mu.Unlock()
		writeErr(w, apiErr(http.StatusServiceUnavailable, codeUnavailable, "Service unavailable: the server is shutting down"))
		return
	}
	if !s.st.add(rec) {
		s.st.mu.Unlock()
		writeErr(w, apiErr(http.StatusTooManyRequests, codeTooManyRequests, fmt.Sprintf("Too many calls in progress: all %d stored calls are live", s.cfg.MaxCalls)))
		return
	}
	body := rec.resource()
	noteSid(w, rec.sid)
	s.wg.Add(1)
	s.st.mu.Unlock()
	go s.run(req, live)
	writeJSON(w, http.StatusCreated, body)
}

func (s *Server) run(req CallRequest, live *Live) {
	defer s.wg.Done()
	defer close(live.done)
	s.cfg.Dialer.Start(s.ctx, req, live)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	rec := live.rec
	rec.live = nil
	if !rec.status.Ended() {
		s.apply(rec, Progress{Status: StatusFailed, At: s.cfg.Now()})
	}
}

func (s *Server) report(rec *record, p Progress) error {
	if p.At.IsZero() {
		p.At = s.cfg.Now()
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cur := rec.status
	switch {
	case cur.Ended():
		return fmt.Errorf("call %s: %w (%s)", rec.sid, ErrEnded, cur)
	case p.Status.step() < 0:
		return fmt.Errorf("call %s: unknown status %q", rec.sid, p.Status)
	case p.Status == cur && cur != StatusInProgress:
		return nil
	case p.Status.step() < cur.step():
		return fmt.Errorf("call %s: cannot go from %s back to %s", rec.sid, cur, p.Status)
	case p.Status == StatusCompleted && cur != StatusInProgress:
		return fmt.Errorf("call %s: cannot complete a call that was not answered (%s); use busy, no-answer, failed or canceled", rec.sid, cur)
	case (p.Status == StatusBusy || p.Status == StatusNoAnswer || p.Status == StatusCanceled) && cur == StatusInProgress:
		return fmt.Errorf("call %s: an answered call cannot end %s", rec.sid, p.Status)
	}
	s.apply(rec, p)
	return nil
}

// apply records a valid step; the caller holds the store's mutex.
func (s *Server) apply(rec *record, p Progress) {
	switch {
	case p.Status == StatusInitiated || p.Status == StatusRinging:
		if rec.start.IsZero() {
			rec.start = p.At
		}
	case p.Status == StatusInProgress:
		if rec.start.IsZero() {
			rec.start = p.At
		}
		if rec.answered.IsZero() {
			rec.answered = p.At
		}
	case p.Status.Ended():
		rec.end = p.At
	}
	if p.AnsweredBy != "" {
		rec.answeredBy = p.AnsweredBy
	}
	rec.status = p.Status
	rec.updated = p.At
	close(rec.changed)
	rec.changed = make(chan struct{})
}

func (s *Server) fetch(w http.ResponseWriter, sid string, notFound *APIError) {
	c, ok := s.Get(sid)
	if !ok {
		writeErr(w, notFound)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, sid string, notFound *APIError) {
	f, e := parseForm(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	change, e := parseUpdate(f)
	if e != nil {
		writeErr(w, e)
		return
	}
	s.st.mu.Lock()
	rec := s.st.get(sid)
	if rec == nil {
		s.st.mu.Unlock()
		writeErr(w, notFound)
		return
	}
	status, live := rec.status, rec.live
	current := rec.resource()
	s.st.mu.Unlock()

	switch {
	case status.Ended() || live == nil:
		// Twilio documents 21220 for redirects; an ended call refuses the
		// other changes the same way here.
		msg := "Call is not in-progress. Cannot redirect."
		if change.Kind != Redirect {
			msg = "Call is not in-progress. Cannot update a call that has ended."
		}
		writeErr(w, badRequest(codeNotInProgress, msg))
		return
	case change.Kind == Redirect && status != StatusInProgress:
		writeErr(w, badRequest(codeNotInProgress, "Call is not in-progress. Cannot redirect."))
		return
	case change.Kind == Cancel && status == StatusInProgress,
		change.Kind == Settings && change.Settings == (CallSettings{}):
		// Canceling an answered call has no effect on Twilio.
		writeJSON(w, http.StatusOK, current)
		return
	}
	select {
	case live.changes <- change:
	case <-live.done:
	case <-r.Context().Done():
		return
	}
	if change.Kind == Hangup || change.Kind == Cancel {
		s.awaitEnd(r.Context(), rec, live)
	}
	s.st.mu.Lock()
	current = rec.resource()
	s.st.mu.Unlock()
	writeJSON(w, http.StatusOK, current)
}

// awaitEnd waits, within ChangeWait, for the engine to end the call, so the
// answer to a hang-up shows the call ended as Twilio's does.
func (s *Server) awaitEnd(ctx context.Context, rec *record, live *Live) {
	timer := time.NewTimer(s.cfg.ChangeWait)
	defer timer.Stop()
	for {
		s.st.mu.Lock()
		ended, ch := rec.status.Ended(), rec.changed
		s.st.mu.Unlock()
		if ended {
			return
		}
		select {
		case <-ch:
		case <-live.done:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

func (s *Server) delete(w http.ResponseWriter, sid string, notFound *APIError) {
	s.st.mu.Lock()
	e := s.st.bySid[sid]
	if e == nil {
		s.st.mu.Unlock()
		writeErr(w, notFound)
		return
	}
	if !e.Value.(*record).status.Ended() {
		s.st.mu.Unlock()
		// The reference leaves deleting a live call open; 20009 is
		// Twilio's code for deleting a resource before it is complete.
		writeErr(w, badRequest(codeNotComplete, "Cannot delete a call that has not ended."))
		return
	}
	s.st.remove(e)
	s.st.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
