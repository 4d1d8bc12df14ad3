"""Offline translation with a small built-in glossary; says plainly what it could not translate."""

from __future__ import annotations

import re

from agents.offline.text import capitalize_first
from agents.offline.text import missing as missing_text

UNTRANSLATED_NOTE = (
    "The offline model's glossary is small: set DELEGATE_MODEL to a real model for a full "
    "translation."
)

# One entry per line: english = translation. Whole phrases first, then single words.
_GLOSSARIES = {
    "spanish": """
thank you for your order = gracias por tu pedido
thank you for = gracias por
it will arrive = llegará
will arrive = llegará
on monday = el lunes
on tuesday = el martes
on wednesday = el miércoles
on thursday = el jueves
on friday = el viernes
where is = dónde está
meeting room = sala de reuniones
room = sala
welcome to the team = bienvenido al equipo
we are glad you are here = nos alegra que estés aquí
thank you for your patience = gracias por tu paciencia
thank you very much = muchas gracias
thank you = gracias
good morning = buenos días
good afternoon = buenas tardes
good night = buenas noches
how are you = cómo estás
see you soon = hasta pronto
see you tomorrow = hasta mañana
best regards = saludos cordiales
happy birthday = feliz cumpleaños
let me know = avísame
the meeting is cancelled = la reunión está cancelada
the meeting = la reunión
we are sorry = lo sentimos
welcome = bienvenido
hello = hola
goodbye = adiós
please = por favor
yes = sí
no = no
team = equipo
we = nosotros
are = estamos
is = es
glad = contentos
happy = felices
you = tú
here = aquí
today = hoy
tomorrow = mañana
meeting = reunión
customer = cliente
customers = clientes
order = pedido
price = precio
new = nuevo
office = oficina
hours = horario
and = y
the = el
to = a
for = para
our = nuestro
your = tu
with = con
in = en
of = de
on = en
friday = viernes
monday = lunes
email = correo
message = mensaje
""",
    "french": """
thank you for your order = merci pour votre commande
thank you for = merci pour
it will arrive = elle arrivera
on monday = lundi
on friday = vendredi
where is the meeting room = où est la salle de réunion
where is = où est
meeting room = salle de réunion
room = salle
welcome to the team = bienvenue dans l'équipe
we are glad you are here = nous sommes ravis que vous soyez là
thank you for your patience = merci pour votre patience
thank you very much = merci beaucoup
thank you = merci
good morning = bonjour
good evening = bonsoir
good night = bonne nuit
how are you = comment allez-vous
see you soon = à bientôt
see you tomorrow = à demain
best regards = cordialement
happy birthday = joyeux anniversaire
let me know = tenez-moi au courant
the meeting is cancelled = la réunion est annulée
the meeting = la réunion
we are sorry = nous sommes désolés
welcome = bienvenue
hello = bonjour
goodbye = au revoir
please = s'il vous plaît
yes = oui
no = non
team = équipe
we = nous
are = sommes
is = est
glad = ravis
happy = heureux
you = vous
here = ici
today = aujourd'hui
tomorrow = demain
meeting = réunion
customer = client
customers = clients
order = commande
price = prix
new = nouveau
office = bureau
hours = horaires
and = et
the = le
to = à
for = pour
our = notre
your = votre
with = avec
in = dans
of = de
friday = vendredi
monday = lundi
email = e-mail
message = message
""",
    "german": """
thank you for your order = vielen Dank für Ihre Bestellung
thank you for = danke für
it will arrive on monday = sie kommt am Montag an
it will arrive on friday = sie kommt am Freitag an
on monday = am Montag
on friday = am Freitag
where is the meeting room = wo ist der Besprechungsraum
where is = wo ist
meeting room = Besprechungsraum
room = Raum
welcome to the team = willkommen im team
we are glad you are here = wir freuen uns, dass du hier bist
thank you for your patience = vielen dank für ihre geduld
thank you very much = vielen dank
thank you = danke
good morning = guten morgen
good evening = guten abend
good night = gute nacht
how are you = wie geht es dir
see you soon = bis bald
see you tomorrow = bis morgen
best regards = mit freundlichen grüßen
happy birthday = alles gute zum geburtstag
let me know = sag mir bescheid
the meeting is cancelled = das meeting ist abgesagt
the meeting = das meeting
we are sorry = es tut uns leid
welcome = willkommen
hello = hallo
goodbye = auf wiedersehen
please = bitte
yes = ja
no = nein
team = team
we = wir
are = sind
is = ist
glad = froh
happy = glücklich
you = du
here = hier
today = heute
tomorrow = morgen
meeting = meeting
customer = kunde
customers = kunden
order = bestellung
price = preis
new = neu
office = büro
hours = öffnungszeiten
and = und
the = die
to = zu
for = für
our = unser
your = dein
with = mit
in = in
of = von
friday = freitag
monday = montag
email = e-mail
message = nachricht
""",
}
_ALIASES = {
    "spanish": "spanish", "español": "spanish", "espanol": "spanish", "es": "spanish",
    "french": "french", "français": "french", "francais": "french", "fr": "french",
    "german": "german", "deutsch": "german", "de": "german",
}  # fmt: skip


def _parse(table: str) -> dict[str, str]:
    entries = {}
    for line in table.strip().splitlines():
        english, _, foreign = line.partition(" = ")
        entries[english.strip()] = foreign.strip()
    return entries


GLOSSARIES = {language: _parse(table) for language, table in _GLOSSARIES.items()}


def target_language(text: str) -> str | None:
    """The language asked for ('into Spanish', 'to French', 'auf Deutsch')."""
    lower = text.lower()
    for word in re.findall(r"[a-zçñäöüé]+", lower):
        if word in _ALIASES and len(word) > 2:
            return _ALIASES[word]
    return None


def requested_language_name(text: str) -> str | None:
    """Any language named after 'into'/'to' (even one without a glossary)."""
    match = re.search(r"\b(?:into|to|in)\s+([A-Z][a-z]+)\b", text)
    return match.group(1) if match else None


def translate(text: str, language: str) -> tuple[str, list[str]]:
    """(translation, words left untranslated) using the glossary; an unknown word is a visible
    gap ("[missing: German for 'invoice']")."""
    glossary = GLOSSARIES[language]
    longest = max(len(k.split()) for k in glossary)
    pieces: list[str] = []
    missing: list[str] = []
    for sentence in re.findall(r"[^.!?]+[.!?]*", text):
        tokens = re.findall(r"[\w']+|[^\w\s]", sentence)
        out: list[str] = []
        index = 0
        while index < len(tokens):
            if not re.match(r"[\w']", tokens[index]):
                out.append(tokens[index])
                index += 1
                continue
            for size in range(min(longest, len(tokens) - index), 0, -1):
                phrase = " ".join(t.lower() for t in tokens[index : index + size])
                if phrase in glossary and all(
                    re.match(r"[\w']", t) for t in tokens[index : index + size]
                ):
                    out.append(glossary[phrase])
                    index += size
                    break
            else:
                missing.append(tokens[index])
                out.append(missing_text(f"{language.capitalize()} for '{tokens[index]}'"))
                index += 1
        joined = re.sub(r"\s+([.,!?;:])", r"\1", " ".join(out)).strip()
        if joined:
            pieces.append(_punctuate(capitalize_first(joined), language))
    return " ".join(pieces), missing


def _punctuate(sentence: str, language: str) -> str:
    if language == "spanish" and sentence.endswith("!") and not sentence.startswith("¡"):
        return "¡" + sentence
    if language == "spanish" and sentence.endswith("?") and not sentence.startswith("¿"):
        return "¿" + sentence
    return sentence


def translation_deliverable(title: str, details: str) -> str:
    """The translated text plus an honest note on what the offline glossary covered."""
    source = _source_text(title, details)
    language = target_language(title) or target_language(details)
    if language is None:
        named = requested_language_name(title) or "the requested language"
        return (
            f"Translation into {named} is not available offline: the built-in glossary covers "
            f"Spanish, French and German only.\n\nText to translate:\n{source or '(none given)'}"
            f"\n\n{UNTRANSLATED_NOTE}"
        )
    if not source:
        return (
            f"{language.capitalize()} translation\n\nThe task does not include the text to "
            "translate. Put it in the task's description (or in quotes in the title) and run "
            "it again."
        )
    translated, missing = translate(source, language)
    lines = [f"{language.capitalize()} translation:", "", translated, "", f"Original: {source}"]
    if missing:
        unknown = ", ".join(dict.fromkeys(missing))
        lines += [
            "",
            f"Not translated offline (not in the built-in glossary): {unknown}.",
            UNTRANSLATED_NOTE,
        ]
    else:
        lines += ["", "Translated with the built-in glossary; have a fluent speaker check tone."]
    return "\n".join(lines)


def _source_text(title: str, details: str) -> str:
    quoted = re.search(r"[\"\u201c'\u2018](.+?)[\"\u201d'\u2019](?=\s|$|[.,;:])", title)
    if quoted:
        return quoted.group(1).strip()
    if details.strip():
        return re.sub(r"^(?:text|message)\s*:\s*", "", details.strip(), flags=re.I)
    return ""
