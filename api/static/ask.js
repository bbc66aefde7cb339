// Ask page: POST /v1/ask with Accept: text/event-stream and render the streamed answer.
// Everything from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var input = document.getElementById("question");
  var chat = document.getElementById("chat");
  var button = document.getElementById("ask-button");
  if (!form || !window.fetch || !window.TextDecoder) { return; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function docLink(id, title, start, end) {
    var a = el("a", "", title || id);
    var href = "/library/" + encodeURIComponent(id);
    if (start) { href += "?lines=" + start + "-" + (end || start) + "#L" + start; }
    a.href = href;
    return a;
  }

  // Answer text with each [n] turned into a link to citation n's lines (text nodes only).
  function linkCitations(target, text, citations) {
    var byN = {};
    (citations || []).forEach(function (c) { byN[c.n] = c; });
    target.textContent = "";
    text.split(/(\[\d+\])/).forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      var c = m && byN[m[1]];
      if (c) {
        var a = docLink(c.doc_id, part, c.start_line, c.end_line);
        a.className = "cite";
        a.title = c.title || c.doc_id;
        target.appendChild(a);
      } else {
        target.appendChild(document.createTextNode(part));
      }
    });
  }

  function renderDone(bubble, answer) {
    linkCitations(bubble.querySelector(".answer-text"), answer.text, answer.citations);
    if (answer.refused) {
      bubble.classList.add("refused");
      var note = el("p", "no-record");
      note.appendChild(el("strong", "", "No record found."));
      bubble.insertBefore(note, bubble.firstChild);
    }
    if (answer.citations && answer.citations.length) {
      var list = el("ol", "citations");
      list.setAttribute("aria-label", "Citations");
      answer.citations.forEach(function (c) {
        var li = el("li");
        li.value = c.n;
        li.appendChild(docLink(c.doc_id, c.title, c.start_line, c.end_line));
        if (c.status) { li.appendChild(el("span", "status", " (" + c.status + ")")); }
        li.appendChild(el("span", "muted", " lines " + c.start_line + "–" + c.end_line));
        list.appendChild(li);
      });
      bubble.appendChild(list);
    }
    if (answer.possibly_related && answer.possibly_related.length) {
      var p = el("p", "muted", "Possibly related: ");
      answer.possibly_related.forEach(function (r, i) {
        if (i) { p.appendChild(document.createTextNode(", ")); }
        p.appendChild(docLink(r.id, r.title));
      });
      bubble.appendChild(p);
    }
    if (answer.llm && answer.llm.mode !== "on") {
      var mode = answer.llm.mode === "degraded" ? "LLM degraded: offline answer." : "LLM off: offline answer.";
      bubble.appendChild(el("p", "muted small", mode));
    }
  }

  function handle(event, data, bubble) {
    if (event === "delta") {
      bubble.querySelector(".answer-text").textContent += data.text || "";
    } else if (event === "done" && data.answer) {
      renderDone(bubble, data.answer);
    } else if (event === "error") {
      bubble.appendChild(el("p", "alert error", data.error ? data.error.message : "The answer failed."));
    }
  }

  async function ask(question) {
    chat.appendChild(el("li", "msg user", question));
    var bubble = el("li", "msg bot");
    bubble.setAttribute("aria-busy", "true");
    bubble.appendChild(el("div", "answer-text"));
    chat.appendChild(bubble);
    button.disabled = true;
    try {
      var response = await fetch("/v1/ask", {
        method: "POST",
        // X-Specreview-Surface: the answer is recorded as asked on the Ask page.
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-Specreview-Surface": "web" },
        body: JSON.stringify({ question: question }),
        credentials: "same-origin"
      });
      if (!response.ok) {
        var body = await response.json().catch(function () { return {}; });
        handle("error", body, bubble);
        return;
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) { break; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(function (block) {
          var name = "message", data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event: ") === 0) { name = line.slice(7); }
            else if (line.indexOf("data: ") === 0) { data += line.slice(6); }
          });
          if (data) { handle(name, JSON.parse(data), bubble); }
        });
      }
    } catch (err) {
      handle("error", { error: { message: "Connection failed: " + err } }, bubble);
    } finally {
      bubble.removeAttribute("aria-busy");
      button.disabled = false;
      bubble.scrollIntoView({ block: "nearest" });
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var question = input.value.trim();
    if (!question) { return; }
    input.value = "";
    ask(question);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
})();
