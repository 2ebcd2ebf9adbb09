// Display board: every call gets a chime and a spoken announcement, Thai then English, one
// after another (a new call never cuts the current one). Without a Thai voice the board
// chimes and flashes the call on screen. No internet needed: WebAudio and the browser's voices.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var flashBox = document.getElementById("call-flash");
  var soundButton = document.getElementById("sound-on");
  if (!board) { return; }
  var lastAnnounced = parseInt(board.getAttribute("data-last-call") || "0", 10);
  var queue = [];
  var busy = false;
  var audio = null;

  function sleep(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  function voiceFor(prefix) {
    if (!("speechSynthesis" in window)) { return null; }
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().indexOf(prefix) === 0) { return voices[i]; }
    }
    return null;
  }

  function chime() {
    if (!audio) { return sleep(600); }
    [[880, 0], [660, 0.35]].forEach(function (tone) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, audio.currentTime + tone[1]);
      gain.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + tone[1] + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + tone[1] + 0.6);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + tone[1]);
      osc.stop(audio.currentTime + tone[1] + 0.65);
    });
    return sleep(1000);
  }

  function say(text, lang, voice) {
    return new Promise(function (done) {
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = lang;
      utterance.voice = voice;
      utterance.rate = 0.9;
      utterance.onend = done;
      utterance.onerror = done;
      window.speechSynthesis.speak(utterance);
      setTimeout(done, 15000);
    });
  }

  // One flash at a time: a new call takes it over, and it hides 4 s after the latest call.
  var flashTimer = null;
  var flashTile = null;

  function flash(call) {
    // Thai in full on the first line, English below (one line wrapped between the two).
    flashBox.textContent = call.number + " → ช่อง " + call.counter + "\nCounter " + call.counter;
    flashBox.hidden = false;
    if (flashTile) { flashTile.classList.remove("flash"); }
    flashTile = document.querySelector('.tile[data-counter="' + call.counter + '"]');
    if (flashTile) { flashTile.classList.add("flash"); }
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () {
      flashBox.hidden = true;
      // The tiles may have been redrawn since: take the counter's tile as it is now.
      var current = document.querySelector('.tile[data-counter="' + call.counter + '"]');
      if (current) { current.classList.remove("flash"); }
      flashTile = null;
    }, 4000);
  }

  async function run() {
    if (busy) { return; }
    busy = true;
    while (queue.length) {
      var call = queue.shift();
      flash(call);
      await chime();
      var thai = voiceFor("th");
      if (thai) {
        await say(call.th, "th-TH", thai);
        var english = voiceFor("en");
        if (english) { await say(call.en, "en-US", english); }
      } else {
        await sleep(2500);
      }
      board.setAttribute("data-announced", String(
        parseInt(board.getAttribute("data-announced") || "0", 10) + 1));
    }
    busy = false;
  }

  function collect() {
    var items = board.querySelectorAll(".announce li");
    for (var i = 0; i < items.length; i++) {
      var id = parseInt(items[i].getAttribute("data-id"), 10);
      if (id > lastAnnounced) {
        lastAnnounced = id;
        queue.push({
          number: items[i].getAttribute("data-number"),
          counter: items[i].getAttribute("data-counter"),
          th: items[i].getAttribute("data-say-th"),
          en: items[i].getAttribute("data-say-en")
        });
      }
    }
    run();
  }

  board.addEventListener("htmx:sseMessage", collect);
  board.addEventListener("htmx:sseOpen", function () { board.setAttribute("data-live", "1"); });
  board.addEventListener("htmx:sseError", function () { board.setAttribute("data-live", "0"); });
  if (soundButton) {
    soundButton.addEventListener("click", function () {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (Context && !audio) { audio = new Context(); }
      if (audio) { audio.resume(); }
      soundButton.hidden = true;
    });
  }
})();
