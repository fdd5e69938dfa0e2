package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/callsim/callsim/simulate"
	"github.com/callsim/callsim/simulate/restapi"
	"github.com/callsim/callsim/simulate/webhook"
)

// Config sets up a Server.
type Config struct {
	// API is the REST API's configuration: credentials, outcome rules,
	// limits. Its Dialer is the engine; leave it nil. Its OnRequest, when
	// set, is called as well as OnEvent.
	API restapi.Config
	// Scale is how much wall time one second of call time takes: 0 (the
	// default) runs calls on a simulated clock, as fast as the app
	// answers; 1 is real time.
	Scale float64
	// HTTP carries the webhooks; nil is a client of its own.
	HTTP *http.Client
	// WebhookTimeout caps each webhook request; 0 is Twilio's 15 s.
	WebhookTimeout time.Duration
	// MaxSteps is the engine's loop guard per call; 0 is 100.
	MaxSteps int
	// WebhookToken, when set, signs the webhooks instead of API.AuthToken
	// (an in-process server whose API credentials nobody else uses).
	WebhookToken string
	// NewCaller, when set, gives the callee of each call instead of the
	// outcome rule's script of digits and speech.
	NewCaller func(restapi.CallRequest) simulate.Caller
	// OnEvent, when set, sees every API request, status change, webhook
	// and finished call. It is called from many goroutines at once.
	OnEvent func(Event)
}

// Event kinds.
const (
	EventAPI    = "api"    // an API request was answered (Access)
	EventStatus = "status" // the call reached a status (Status, AnsweredBy; Outcome when queued)
	EventChange = "change" // the API changed the running call (Change)
	EventStep   = "step"   // a webhook request and its answer (Step), logged before its TwiML runs
	EventVerb   = "verb"   // what the call did next: said, played, pressed, hung up … (Verb)
	EventCall   = "call"   // the call is over (Transcript, Status)
	EventError  = "error"  // something callsim could not do (Message)
)

// Event is one entry of the server's log. Time is when it happened: for a
// call's progress, on the call's clock (simulated unless Scale is 1); for
// API requests and the changes they make, on the wall clock.
type Event struct {
	Time       time.Time            `json:"time"`
	Kind       string               `json:"kind"`
	CallSid    string               `json:"call_sid,omitempty"`
	Access     *APIRequest          `json:"api,omitempty"`
	Status     string               `json:"status,omitempty"`
	AnsweredBy string               `json:"answered_by,omitempty"`
	Outcome    string               `json:"outcome,omitempty"`
	Change     string               `json:"change,omitempty"`
	Step       *simulate.Step       `json:"step,omitempty"`
	Verb       *simulate.Event      `json:"verb,omitempty"`
	Transcript *simulate.Transcript `json:"transcript,omitempty"`
	Message    string               `json:"message,omitempty"`
}

// APIRequest is one answered API request (restapi.Access, as the log
// writes it).
type APIRequest struct {
	Method  string        `json:"method"`
	Path    string        `json:"path"`
	Status  int           `json:"status"`
	Code    int           `json:"code,omitempty"`
	Message string        `json:"message,omitempty"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Server is the REST API with the engine behind it, and its listener.
type Server struct {
	api  *restapi.Server
	http *http.Server
	ln   net.Listener
	done chan error
}

// New checks cfg and returns a Server that does not listen yet; errors name the field.
func New(cfg Config) (*Server, error) {
	if cfg.Scale < 0 {
		return nil, errors.New("serve config: Scale: must not be negative")
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Transport: webhook.NewTransport()}
	}
	d := &dialer{cfg: &cfg, authToken: cfg.API.AuthToken, http: cfg.HTTP}
	if cfg.WebhookToken != "" {
		d.authToken = cfg.WebhookToken
	}
	api := cfg.API
	api.Dialer = d
	if onReq, onEvent := api.OnRequest, cfg.OnEvent; onEvent != nil {
		api.OnRequest = func(a restapi.Access) {
			if onReq != nil {
				onReq(a)
			}
			onEvent(Event{Time: a.Time, Kind: EventAPI, CallSid: a.CallSid,
				Access: &APIRequest{Method: a.Method, Path: a.Path, Status: a.Status, Code: a.Code, Message: a.Message, Elapsed: a.Elapsed}})
		}
	}
	s, err := restapi.New(api)
	if err != nil {
		return nil, err
	}
	return &Server{api: s}, nil
}

// API is the REST API server, to fetch or wait for calls in process.
func (s *Server) API() *restapi.Server { return s.api }

// Handler serves the REST API (for httptest or a mux of one's own).
func (s *Server) Handler() http.Handler { return s.api }

// Listen starts serving on addr (host:port; port 0 picks one) and returns
// the base URL to point an SDK at.
func (s *Server) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.ln = ln
	s.http = &http.Server{Handler: s.api, ReadHeaderTimeout: 10 * time.Second}
	s.done = make(chan error, 1)
	go func() { s.done <- s.http.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops listening, ends the running calls and waits for them, within ctx.
func (s *Server) Close(ctx context.Context) error {
	var err error
	if s.http != nil {
		err = s.http.Shutdown(ctx)
		if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	closed := make(chan struct{})
	go func() {
		s.api.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-ctx.Done():
		return fmt.Errorf("calls still running at shutdown: %w", ctx.Err())
	}
	return err
}
