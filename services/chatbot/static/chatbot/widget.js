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
      pass: "Frage weitergeben", you: "Sie", bot: "Chatbot", staff: "Antwort der Verwaltung", error: "Das hat leider nicht geklappt. Bitte versuchen Sie es später noch einmal.",
      busy: "Zu viele Anfragen. Bitte warten Sie einen Moment.", didYouMean: "Meinten Sie …?", intro: "Ich beantworte Fragen aus der Wissensdatenbank der Gemeinde. Ich bin ein KI-System."},
    en: {title: "Ask us", label: "Your question", send: "Send", ai: "AI-generated answer",
      aiNote: "This answer was generated automatically by an AI system from the town's knowledge base.",
      human: "Talk to a person", sources: "Source", helpful: "Helpful", notHelpful: "Not helpful",
      thanks: "Thank you for your rating.", email: "E-mail address (optional)",
      consent: "I agree that my e-mail address is stored to answer my question.",
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
  var log = el("ol", {"class": "kvb-log", role: "log", "aria-live": "polite", "aria-relevant": "additions"});
  var form = el("form", {"class": "kvb-form"});
  var inputId = "kvb-q-" + Math.random().toString(36).slice(2, 8);
  var label = el("label", {"for": inputId}, T.label);
  var input = el("input", {id: inputId, name: "question", type: "text", maxlength: "1000", autocomplete: "off", required: ""});
  var send = el("button", {type: "submit"}, T.send);
  form.appendChild(label); form.appendChild(input); form.appendChild(send);
  root.appendChild(heading); root.appendChild(el("p", {"class": "kvb-intro"}, T.intro));
  root.appendChild(log); root.appendChild(form);

  function add(kind, who) {
    var item = el("li", {"class": "kvb-msg kvb-" + kind});
    item.appendChild(el("span", {"class": "kvb-who"}, who + ": "));
    log.appendChild(item);
    return item;
  }
  function humanButton(item, messageId, question) {
    var button = el("button", {type: "button", "class": "kvb-human"}, T.human);
    button.addEventListener("click", function () { showEscalation(item, messageId, question); button.disabled = true; });
    item.appendChild(button);
  }
  function showEscalation(item, messageId, question) {
    var box = el("form", {"class": "kvb-escalate"});
    var emailId = inputId + "-mail", consentId = inputId + "-consent";
    box.appendChild(el("label", {"for": emailId}, T.email));
    var email = el("input", {id: emailId, type: "email", autocomplete: "email"});
    box.appendChild(email);
    var consentWrap = el("div");
    var consent = el("input", {id: consentId, type: "checkbox"});
    consentWrap.appendChild(consent); consentWrap.appendChild(el("label", {"for": consentId}, T.consent));
    box.appendChild(consentWrap);
    box.appendChild(el("button", {type: "submit"}, T.pass));
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {conversation: token, message: messageId, question: question, consent: consent.checked};
      if (email.value && consent.checked) body.email = email.value;
      post("escalate", body).then(function (data) {
        box.remove();
        var done = add("bot", T.bot);
        done.appendChild(el("span", {"class": "kvb-text"}, data.text || data.detail || T.error));
      }).catch(function () { box.appendChild(el("p", {role: "alert"}, T.error)); });
    });
    item.appendChild(box);
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
    if (!token) return;
    api("conversations/" + encodeURIComponent(token)).then(function (data) {
      if (data._status !== 200) { token = null; return; }
      (data.messages || []).forEach(function (m) {
        if (m.kind === "staff") add("staff", T.staff).appendChild(el("span", {"class": "kvb-text"}, m.text));
      });
    }).catch(function () {});
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
