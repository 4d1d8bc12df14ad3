"""German, Spanish and French for the offline model: a word-by-word English gloss of a task,
and tolerance of one-letter typos in verbs.

The offline model's rules read English. `gloss` detects a German, Spanish or French task and
rewrites it word for word with the English words the rules know ("Préviens eng-oncall que la
maintenance est déplacée" -> "notify eng-oncall that the maintenance is moved"), leaving
names, addresses and unknown words as they are. It is a stand-in's crib sheet, not a
translator: any module of the offline model (classification, routing) can read the gloss
instead of the task. `correct_typo` maps "shedule", "sumarize" or "drfat" to the known verb one
edit away (letters of a word of five or more: one dropped, added, changed or swapped).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from agents.offline.text import wordlist

#: Each entry: the English word (underscores for spaces) and its German | Spanish | French
#: forms (imperatives, infinitives, plurals; multi-word forms joined by underscores); an
#: indented line continues the entry above it.
GLOSSARY = """
write: schreib schreibe schreiben schreibt verfasse verfassen | escribe escribir escriba
    escribe_un | écris écrire écrivez écrire_un
draft: entwirf entwerfen entwurf | redacta redactar redacte borrador | rédige rédiger rédigez
    brouillon
send: sende senden schick schicke schicken verschicke verschicken | envía envia enviar envíe
    manda mandar | envoie envoyer envoyez expédie
summarize: zusammenfassen fasse | resume resumir resuma | résume résumer résumez synthétise
schedule: vereinbare vereinbaren terminiere terminieren | programa programar agenda agendar |
    programme programmer cale caler
reschedule: verschiebe verschieben verlege verlegen | reprograma reprogramar aplaza aplazar |
    reporte reporter reprogramme décale décaler
plan: plane planen | planifica planificar planea planear | planifie planifier prévois prévoir
organize: organisiere organisieren | organiza organizar | organise organiser organisez
pay: bezahle bezahlen zahle zahlen begleiche begleichen | paga pagar pague abona abonar | paie
    paye payer payez règle régler
transfer: überweise überweisen | transfiere transferir | vire virer
buy: kaufe kaufen | compra comprar | achète acheter achetez
order: bestelle bestellen | pide pedir encarga encargar | commande commander commandez
call: anrufen ruf rufe telefoniere telefonieren | llama llamar llame telefonea | appelle appeler
    appelez téléphone téléphoner
sign: unterschreibe unterschreiben unterzeichne unterzeichnen | firma firmar firme | signe
    signer signez
create: erstelle erstellen erzeuge | crea crear cree | crée créer créez
prepare: vorbereiten bereite | prepara preparar prepare | prépare préparer préparez
translate: übersetze übersetzen | traduce traducir traduzca | traduis traduire traduisez
reply: antworte antworten beantworte beantworten | responde responder contesta contestar |
    réponds répondre répondez
post: poste posten veröffentliche veröffentlichen | publica publicar | publie publier poste
    poster
notify: informiere informieren benachrichtige benachrichtigen | avisa avisar informa informar
    notifica | préviens prévenir informe informer avertis avertir
tell: mitteilen teile sag sage sagen | di decir dile | dis dire
remind: erinnere erinnern | recuerda recordar | rappelle rappeler
launch: starte starten lanciere | lanza lanzar | lance lancer
migrate: migriere migrieren | migra migrar | migre migrer
hire: einstellen stelle | contrata contratar | recrute recruter embauche embaucher
book: buche buchen | reserva reservar | réserve réserver
repair: repariere reparieren | repara reparar arregla arreglar | répare réparer
pick_up: abholen hole | recoge recoger | récupère récupérer
visit: besuche besuchen | visita visitar | visite visiter
invite: einladen lade | invita invitar | invite inviter
thank: danke bedanke bedanken | agradece agradecer | remercie remercier
make: mache machen | haz hacer | fais faire
find: finde finden suche suchen | busca buscar encuentra | cherche chercher trouve trouver
extract: extrahiere extrahieren | extrae extraer | extrais extraire
review: prüfe prüfen überprüfe | revisa revisar | relis relire révise réviser vérifie vérifier
update: aktualisiere aktualisieren | actualiza actualizar | mets_à_jour
renew: verlängere verlängern erneuere | renueva renovar | renouvelle renouveler
deliver: liefere liefern | entrega entregar | livre livrer
install: installiere installieren | instala instalar | installe installer
cancel: absagen storniere stornieren kündige kündigen | cancela cancelar anula | annule annuler
outline: gliedere | esboza | esquisse
attend: teilnehmen nimm | asiste asistir | assiste assister
move: umziehen zieh | muda mudar traslada | déménage déménager
email: e-mail mail email | correo correo_electrónico email | courriel mail e-mail email
meeting: besprechung termin treffen meeting | reunión junta | réunion rendez-vous
call_noun: anruf telefonat | llamada | appel
invoice: rechnung rechnungen | factura facturas | facture factures
contract: vertrag verträge | contrato | contrat
notes: notizen | notas | notes
minutes: protokoll | acta | compte_rendu compte-rendu procès-verbal
summary: zusammenfassung | resumen | résumé synthèse
report: bericht | informe reporte | rapport
agenda: tagesordnung agenda | orden_del_día agenda | ordre_du_jour
campaign: kampagne | campaña | campagne
event: veranstaltung | evento | événement
conference: konferenz | conferencia | conférence
office_move: büroumzug umzug | mudanza | déménagement
launch_noun: einführung markteinführung | lanzamiento | lancement
migration: migration | migración | migration
customers: kunden | clientes | clients
customer: kunde kundin | cliente | client cliente
team: team | equipo | équipe
employees: mitarbeiter mitarbeitende | empleados | employés salariés
new: neue neuen neuer neues | nuevo nueva nuevos nuevas | nouveau nouvelle nouveaux nouvelles
product: produkt produkts | producto | produit
website: webseite website | sitio_web web | site_web site
flight: flug flüge | vuelo vuelos | vol vols
hotel: hotel | hotel | hôtel
chairs: stühle | sillas | chaises
package: paket | paquete | colis
vendor: lieferant | proveedor | fournisseur
rent: miete | alquiler | loyer
salary: gehalt | salario nómina | salaire
taxes: steuern | impuestos | impôts
license: lizenz lizenzen | licencia licencias | licence licences
subscription: abonnement abo | suscripción | abonnement
message: nachricht | mensaje | message
announcement: ankündigung | anuncio | annonce
survey: umfrage | encuesta | sondage enquête
presentation: präsentation | presentación | présentation
office: büro | oficina | bureau bureaux
channel: kanal | canal | canal
thank-you: dankes | agradecimiento | remerciement remerciements
tomorrow: morgen | mañana | demain
today: heute | hoy | aujourd'hui
next: nächste nächsten nächster | próximo próxima | prochain prochaine
week: woche | semana | semaine
monday: montag | lunes | lundi
tuesday: dienstag | martes | mardi
wednesday: mittwoch | miércoles | mercredi
thursday: donnerstag | jueves | jeudi
friday: freitag | viernes | vendredi
moved: verschoben verlegt | movido movida trasladada | déplacé déplacée
the: der die das den dem des | el la los las | le la les l'
a: ein eine einen einem einer | un una unos unas | un une des
and: und | y e | et
or: oder | o u | ou
with: mit | con | avec
for: für | para por | pour
to_the: zum zur | al | au aux
to: an zu nach | a hasta | à
about: über | sobre acerca_de | sur à_propos_de
of_the: vom | del | du
of: von | de | de d'
from: aus | desde | depuis
in: im | en | dans en
on: am auf | en | sur
at: um bei | en | chez
by: bis | antes_de | avant
that: dass | que | que qu'
our: unser unsere unseren | nuestro nuestra nuestros | notre nos
my: mein meine | mi mis | mon ma mes
all: alle allen | todos todas | tous toutes
please: bitte | por_favor | s'il_vous_plaît s'il_te_plaît stp svp
is: ist | es está | est
"""
LANGUAGES = ("de", "es", "fr")
#: Words that, alone, say little about the language (shared with English or each other).
_SHARED = frozenset(
    wordlist(
        "a in an on plan team email mail e-mail meeting hotel notes migration message agenda "
        "web site website invite visite poste rapport event abonnement email canal de en la "
        "que un une des es e o u y con cliente client clients am um den"
    )
)
#: Separable German verbs ("Fasse die Notizen zusammen"): (stem, particle) -> English.
_SEPARABLE = {
    ("fasse", "zusammen"): "summarize",
    ("ruf", "an"): "call",
    ("rufe", "an"): "call",
    ("bereite", "vor"): "prepare",
    ("lade", "ein"): "invite",
    ("teile", "mit"): "tell",
    ("hole", "ab"): "pick up",
    ("stelle", "ein"): "hire",
    ("sage", "ab"): "cancel",
    ("nimm", "teil"): "attend",
    ("zieh", "um"): "move",
}
#: Addresses, links, channels and numbers stay whole; words keep inner apostrophes and hyphens.
_TOKEN = re.compile(
    r"https?://\S+|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+|#[\w\-]+|\d[\d.,:/]*(?:[^\W\d_]+)?"
    r"|[^\W\d_][\w'\u2019\-]*|\S"
)


def fold(word: str) -> str:
    """Lower case without accents: 'Réunion' -> 'reunion', 'Überweise' -> 'uberweise'."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _glossary_lines() -> list[str]:
    """GLOSSARY's entries, each continuation line (indented) joined to its entry."""
    entries: list[str] = []
    for line in GLOSSARY.strip().splitlines():
        if line.startswith(" ") and entries:
            entries[-1] += " " + line.strip()
        else:
            entries.append(line)
    return entries


@cache
def _tables() -> dict[str, dict[str, str]]:
    """Per language: folded form (words joined by '_') -> English."""
    tables: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for line in _glossary_lines():
        english, _, forms = line.partition(":")
        target = english.strip().removesuffix("_noun").replace("_", " ")
        for lang, group in zip(LANGUAGES, forms.split("|"), strict=True):
            for form in group.split():
                tables[lang].setdefault(fold(form), target)
    return tables


@cache
def _verbs() -> dict[str, frozenset[str]]:
    """Per language: the folded forms whose English is a verb line (the first 40 lines)."""
    lines = _glossary_lines()
    verbs: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    for line in lines[: lines.index(next(x for x in lines if x.startswith("email:")))]:
        for lang, group in zip(LANGUAGES, line.partition(":")[2].split("|"), strict=True):
            verbs[lang].update(fold(f) for f in group.split())
    return {lang: frozenset(forms) for lang, forms in verbs.items()}


def _phrases(tokens: list[str], table: dict[str, str]) -> list[tuple[str, str | None]]:
    """(original, English or None) for each token, joining up to three into a known phrase."""
    out: list[tuple[str, str | None]] = []
    index = 0
    while index < len(tokens):
        for size in (3, 2, 1):
            piece = tokens[index : index + size]
            if len(piece) < size:
                continue
            key = "_".join(fold(p) for p in piece)
            if key in table:
                out.append((" ".join(piece), table[key]))
                index += size
                break
        else:
            out.append((tokens[index], None))
            index += 1
    return out


def detect_language(text: str) -> str:
    """'de', 'es' or 'fr' when the text reads as that language, else 'en'."""
    tokens = [t for t in _TOKEN.findall(text) if t[0].isalpha()]
    if not tokens:
        return "en"
    best, best_score = "en", 0.0
    for lang in LANGUAGES:
        verbs = _verbs()[lang]
        score = 0.0
        for original, english in _phrases(tokens, _tables()[lang]):
            key = "_".join(fold(w) for w in original.split())
            if english is None:
                continue
            score += 0.5 if key in _SHARED else 2.0 if key in verbs else 1.0
        if score > best_score:
            best, best_score = lang, score
    return best if best_score >= 2.0 else "en"


def gloss(text: str, language: str | None = None) -> str:
    """The text word for word in English when it is German, Spanish or French; else as is.

    German verbs at the end ("Die Rechnung bezahlen") and separable verbs ("Fasse die
    Notizen zusammen") are brought to the front, where an English request has its verb."""
    lang = language or detect_language(text)
    if lang not in LANGUAGES or not text.strip():
        return text
    if lang == "fr":  # "l'équipe" -> "l' équipe": the article is a word of its own
        text = re.sub(r"\b(l|d|j|m|n|s|t|c|qu)['\u2019](?=\w)", r"\1' ", text, flags=re.I)
    tokens = _TOKEN.findall(text)
    if lang == "de":
        tokens = _german_verb_first(tokens)
    pieces = _phrases(tokens, _tables()[lang])
    words = [english if english is not None else original for original, english in pieces]
    glossed = " ".join(words)
    return re.sub(r"\s+([.,;:!?)])", r"\1", re.sub(r"([(])\s+", r"\1", glossed)).strip()


def _german_verb_first(tokens: list[str]) -> list[str]:
    words = [fold(t) for t in tokens]
    verbs = _verbs()["de"]
    if len(tokens) >= 2 and (words[0], words[-1]) in _SEPARABLE:
        return [_SEPARABLE[(words[0], words[-1])], *tokens[1:-1]]
    last = len(tokens) - 1
    while last > 0 and not tokens[last][0].isalnum():
        last -= 1
    if words[0] not in verbs and last > 0 and words[last] in verbs:
        return [tokens[last], *tokens[:last], *tokens[last + 1 :]]
    return tokens


def _within_one_edit(a: str, b: str) -> bool:
    """One letter dropped, added, changed, or two neighbours swapped (and not equal)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def correct_typo(word: str, vocabulary: Iterable[str], min_length: int = 5) -> str | None:
    """The one vocabulary word within one edit of `word` (of at least `min_length` letters);
    None when `word` is known, too short, or two words are equally close."""
    known = [v for v in vocabulary if " " not in v]
    if len(word) < min_length or word in known:
        return None
    close = [v for v in known if len(v) >= min_length and _within_one_edit(word, v)]
    return close[0] if len(close) == 1 else None
