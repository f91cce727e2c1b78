/* KI-Verbund citizen chatbot widget. Plain JS, no build step.
 * <script src="https://<town>.<platform>/static/chatbot/widget.js" data-town="https://<town>.<platform>"
 *         data-lang="de" [data-target="element-id"] defer></script>
 * Every machine answer is labelled as AI-generated and offers a person (EU AI Act Art. 50).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = (script && script.getAttribute("data-town")) || "";
  var lang = (script && script.getAttribute("data-lang")) || (document.documentElement.lang || "de").slice(0, 2);
  if (lang !== "en") lang = "de";
  var T = {
    de: {title: "Fragen Sie uns", label: "Ihre Frage", send: "Senden", ai: "KI-generierte Antwort",
      aiNote: "Diese Antwort wurde automatisch von einem KI-System aus der Wissensdatenbank der Gemeinde erstellt.",
      human: "Mit einem Menschen sprechen", sources: "Quelle", helpful: "Hilfreich", notHelpful: "Nicht hilfreich",
      thanks: "Danke für Ihre Bewertung.", email: "E-Mail-Adresse (freiwillig)",
      consent: "Ich bin einverstanden, dass meine E-Mail-Adresse zur Beantwortung meiner Frage gespeichert wird.",
      consentNeeded: "Ohne Ihre Einwilligung speichern wir die E-Mail-Adresse nicht. Bitte setzen Sie das Häkchen, damit wir Ihnen per E-Mail antworten können, oder löschen Sie die Adresse: Dann lesen Sie die Antwort hier, wenn Sie diese Seite wieder öffnen.",
      logLabel: "Gesprächsverlauf", yourQuestion: "Ihre Frage",
      pass: "Frage weitergeben", you: "Sie", bot: "Chatbot", staff: "Antwort der Verwaltung", error: "Das hat leider nicht geklappt. Bitte versuchen Sie es später noch einmal.",
      busy: "Zu viele Anfragen. Bitte warten Sie einen Moment.", didYouMean: "Meinten Sie …?", intro: "Ich beantworte Fragen aus der Wissensdatenbank der Gemeinde. Ich bin ein KI-System."},
    en: {title: "Ask us", label: "Your question", send: "Send", ai: "AI-generated answer",
      aiNote: "This answer was generated automatically by an AI system from the town's knowledge base.",
      human: "Talk to a person", sources: "Source", helpful: "Helpful", notHelpful: "Not helpful",
      thanks: "Thank you for your rating.", email: "E-mail address (optional)",
      consent: "I agree that my e-mail address is stored to answer my question.",
      consentNeeded: "Without your consent we do not keep the e-mail address. Please tick the box so that we can reply by e-mail, or delete the address: you will then read the reply here when you open this page again.",
      logLabel: "Conversation", yourQuestion: "Your question",
      pass: "Pass on question", you: "You", bot: "Chatbot", staff: "Reply from the administration", error: "Sorry, that did not work. Please try again later.",
      busy: "Too many requests. Please wait a moment.", didYouMean: "Did you mean …?", intro: "I answer questions from the town's knowledge base. I am an AI system."}
  }[lang];
  var storeKey = "kiverbund-chatbot:" + (base || location.host);
  var token = null;
  try { token = localStorage.getItem(storeKey); } catch (e) { token = null; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  function api(path, options) {
    options = options || {};
    options.headers = {"Content-Type": "application/json", "Accept-Language": lang};
    return fetch(base + "/api/v1/chatbot/" + path, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { body._status = r.status; return body; });
    });
  }
  function post(path, body) { body.language = lang; return api(path, {method: "POST", body: JSON.stringify(body)}); }

  var root = el("section", {"class": "kvb-chat", "aria-label": T.title, lang: lang});
  var heading = el("h2", {"class": "kvb-title"}, T.title);
  // A scrolling region of its own (keyboard-reachable) rather than a page that grows with every message.
  var log = el("div", {"class": "kvb-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": T.logLabel, tabindex: "0"});
  var form = el("form", {"class": "kvb-form"});
  var inputId = "kvb-q-" + Math.random().toString(36).slice(2, 8);
  var label = el("label", {"for": inputId}, T.label);
  var input = el("input", {id: inputId, name: "question", type: "text", maxlength: "1000", autocomplete: "off", required: ""});
  var send = el("button", {type: "submit"}, T.send);
  form.appendChild(label); form.appendChild(input); form.appendChild(send);
  root.appendChild(heading); root.appendChild(el("p", {"class": "kvb-intro"}, T.intro));
  root.appendChild(log); root.appendChild(form);

  function add(kind, who) {
    var item = el("div", {"class": "kvb-msg kvb-" + kind});
    item.appendChild(el("span", {"class": "kvb-who"}, who + ": "));
    log.appendChild(item);
    scrollDown();
    return item;
  }
  function scrollDown() {
    // After layout, so that the newest message is in view inside the log.
    setTimeout(function () { log.scrollTop = log.scrollHeight; }, 0);
  }
  function humanButton(item, messageId, question) {
    var button = el("button", {type: "button", "class": "kvb-human"}, T.human);
    button.addEventListener("click", function () { showEscalation(item, messageId, question); button.disabled = true; });
    item.appendChild(button);
  }
  function showEscalation(item, messageId, question) {
    var box = el("form", {"class": "kvb-escalate", novalidate: ""});
    var emailId = inputId + "-mail", consentId = inputId + "-consent", hintId = inputId + "-hint";
    box.appendChild(el("label", {"for": emailId}, T.email));
    var email = el("input", {id: emailId, type: "email", autocomplete: "email"});
    box.appendChild(email);
    var consentWrap = el("div", {"class": "kvb-consent"});
    var consent = el("input", {id: consentId, type: "checkbox"});
    consentWrap.appendChild(consent); consentWrap.appendChild(el("label", {"for": consentId}, T.consent));
    box.appendChild(consentWrap);
    var hint = el("p", {id: hintId, "class": "kvb-hint", role: "alert"});
    box.appendChild(hint);
    box.appendChild(el("button", {type: "submit"}, T.pass));
    function refuse(text) {
      // An address typed without consent is neither sent nor silently dropped: the citizen decides.
      hint.textContent = text;
      consent.setAttribute("aria-invalid", "true");
      consent.setAttribute("aria-describedby", hintId);
      consent.focus();
    }
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      var address = email.value.trim();
      if (address && !consent.checked) { refuse(T.consentNeeded); return; }
      hint.textContent = ""; consent.removeAttribute("aria-invalid");
      var body = {conversation: token, message: messageId, question: question, consent: consent.checked};
      if (address) body.email = address;
      post("escalate", body).then(function (data) {
        if (data._status === 400 && data.consent) { refuse(String(data.consent)); return; }
        box.remove();
        var done = add("bot", T.bot);
        done.appendChild(el("span", {"class": "kvb-text"}, data.text || data.detail || T.error));
      }).catch(function () { hint.textContent = T.error; });
    });
    item.appendChild(box);
    scrollDown();
    email.focus();
  }
  function rating(item, messageId) {
    var wrap = el("div", {"class": "kvb-rate"});
    [[true, T.helpful], [false, T.notHelpful]].forEach(function (pair) {
      var b = el("button", {type: "button"}, pair[1]);
      b.addEventListener("click", function () {
        post("rate", {conversation: token, message: messageId, helpful: pair[0]}).then(function () {
          wrap.textContent = T.thanks;
        });
      });
      wrap.appendChild(b);
    });
    item.appendChild(wrap);
  }
  function showSuggestions(data, question) {
    // Not sure enough to answer: the citizen picks the question they meant, or asks a person.
    var item = add("bot", T.bot);
    item.appendChild(el("strong", {"class": "kvb-ai-label"}, T.ai));
    item.appendChild(el("p", {"class": "kvb-text"}, T.didYouMean));
    var list = el("div", {"class": "kvb-suggestions", role: "group", "aria-label": T.didYouMean});
    (data.suggestions || []).forEach(function (s) {
      var b = el("button", {type: "button", "class": "kvb-suggestion"}, s.question);
      b.addEventListener("click", function () {
        Array.prototype.forEach.call(list.querySelectorAll("button"), function (x) { x.disabled = true; });
        add("you", T.you).appendChild(el("span", {"class": "kvb-text"}, s.question));
        post("pick", {conversation: token, message: data.message, external_id: s.external_id}).then(function (answer) {
          if (answer._status !== 200) { add("bot", T.bot).appendChild(el("span", {role: "alert"}, T.error)); return; }
          showReply(answer, question);
        }).catch(function () { add("bot", T.bot).appendChild(el("span", {role: "alert"}, T.error)); });
      });
      list.appendChild(b);
    });
    item.appendChild(list);
    item.appendChild(el("p", {"class": "kvb-note"}, data.ai_notice || T.aiNote));
    humanButton(item, data.message, question);
  }
  function showReply(data, question) {
    if (data.outcome === "suggested") { showSuggestions(data, question); return; }
    var item = add("bot", T.bot);
    item.appendChild(el("strong", {"class": "kvb-ai-label"}, T.ai));
    var text = el("div", {"class": "kvb-text"});
    // Answers are sanitised on the server (nh3) when they are saved; other texts are plain.
    if (data.answered) text.innerHTML = data.answer; else text.textContent = data.answer;
    item.appendChild(text);
    if (data.answered && data.sources && data.sources.length) {
      // A worded (generative) answer cites its sources as [n]: list those under their numbers.
      var cited = data.generated ? data.sources.map(function (s, i) { return [i + 1, s]; })
        .filter(function (pair) { return pair[1].cited; }) : [[0, data.sources[0]]];
      cited.forEach(function (pair) {
        var src = pair[1];
        var p = el("p", {"class": "kvb-source"}, T.sources + (pair[0] ? " [" + pair[0] + "]" : "") + ": ");
        if (src.link) p.appendChild(el("a", {href: src.link, target: "_blank", rel: "noopener"}, src.question));
        else p.appendChild(el("span", {}, src.question));
        item.appendChild(p);
      });
    }
    item.appendChild(el("p", {"class": "kvb-note"}, data.ai_notice || T.aiNote));
    if (data.answered) rating(item, data.message);
    if (!(data.escalation && data.escalation.case_opened)) humanButton(item, data.message, question);
    else showEscalation(item, data.message, question);
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question) return;
    add("you", T.you).appendChild(el("span", {"class": "kvb-text"}, question));
    input.value = ""; send.disabled = true;
    var body = {question: question};
    if (token) body.conversation = token;
    post("ask", body).then(function (data) {
      send.disabled = false;
      if (data._status === 429) { add("bot", T.bot).appendChild(el("span", {role: "alert"}, T.busy)); return; }
      if (data._status !== 200) { add("bot", T.bot).appendChild(el("span", {role: "alert"}, T.error)); return; }
      token = data.conversation;
      try { localStorage.setItem(storeKey, token); } catch (e) { /* private mode */ }
      showReply(data, question);
    }).catch(function () { send.disabled = false; add("bot", T.bot).appendChild(el("span", {role: "alert"}, T.error)); });
  });
  function restore() {
    // A returning citizen sees the conversation again: their questions, the answers and the staff's replies.
    // data-ready: the earlier conversation is on screen (or there is none).
    function ready() { root.setAttribute("data-ready", "1"); }
    if (!token) { ready(); return; }
    api("conversations/" + encodeURIComponent(token)).then(function (data) {
      if (data._status !== 200) { token = null; ready(); return; }
      (data.messages || []).forEach(function (m) {
        var item;
        if (m.kind === "question") item = add("you", T.you);
        else if (m.kind === "staff") {
          item = add("staff", T.staff);
          if (m.question) item.appendChild(el("p", {"class": "kvb-quote"}, T.yourQuestion + ": „" + m.question + "“"));
        } else {
          item = add("bot", T.bot);
          if (m.ai_generated) item.appendChild(el("strong", {"class": "kvb-ai-label"}, T.ai));
        }
        // Staff replies and questions are plain text; stored answers were sanitised when they were saved.
        var text = el("div", {"class": "kvb-text"});
        if (m.kind === "answer") text.innerHTML = m.text; else text.textContent = m.text;
        item.appendChild(text);
      });
      ready();
    }).catch(ready);
  }
  // The widget's styles come from beside the script, not inline: a page's Content-Security-Policy
  // (the platform's own: style-src 'self') would block an inline <style>.
  var style = el("link", {rel: "stylesheet",
    href: ((script && script.src) || "/static/chatbot/widget.js").replace(/widget\.js(\?.*)?$/, "widget.css")});
  function mount() {
    var targetId = script && script.getAttribute("data-target");
    var target = targetId && document.getElementById(targetId);
    document.head.appendChild(style);
    (target || document.body).appendChild(root);
    restore();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount); else mount();
})();
