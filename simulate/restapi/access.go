package restapi

import (
	"net/http"
	"time"
)

// Access describes one answered API request, for a live log of the API.
type Access struct {
	Time    time.Time // when the request arrived (Config.Now)
	Method  string
	Path    string // path and query as received
	Status  int    // HTTP status of the answer
	Code    int    // Twilio error code of an error answer, else 0
	Message string // its message
	CallSid string // the call created, fetched, updated or deleted
	Elapsed time.Duration
}

// accessWriter records what the handlers answered.
type accessWriter struct {
	http.ResponseWriter
	a Access
}

func (w *accessWriter) WriteHeader(status int) {
	w.a.Status = status
	w.ResponseWriter.WriteHeader(status)
}

// noteSid and noteErr tell the access log about the answer; no-ops
// without Config.OnRequest.
func noteSid(w http.ResponseWriter, sid string) {
	if aw, ok := w.(*accessWriter); ok {
		aw.a.CallSid = sid
	}
}

func noteErr(w http.ResponseWriter, e *APIError) {
	if aw, ok := w.(*accessWriter); ok {
		aw.a.Code, aw.a.Message = e.Code, e.Message
	}
}
