"""Language and region codes: ISO 639-1 languages and ISO 3166-1 alpha-2 regions.

A small embedded table rather than a dependency: these lists change about once a decade.
"""

import re

LANGUAGES = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
    vi vo wa wo xh yi yo za zh zu
    """.split()  # noqa: SIM905 - a code table reads better as words
)
REGIONS = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a code table reads better as words
)
_TAG = re.compile(r"^([a-z]{2,3})(?:-([a-z]{4}))?(?:-([a-z]{2}|\d{3}))?(?:-[a-z0-9]{1,8})*$", re.I)


def code_problem(code: str, *, hreflang: bool) -> str | None:
    """Why `code` is not a valid language tag, or None when it is.

    hreflang follows Google: an ISO 639-1 language, an optional script, an optional ISO
    3166-1 alpha-2 region, or `x-default`. html lang follows BCP 47 more loosely: three-letter
    languages, numeric regions (es-419) and variants are accepted too.
    """
    if hreflang and code.lower() == "x-default":
        return None
    found = _TAG.match(code.strip())
    if found is None:
        return "is not a language tag"
    language, _script, region = found.groups()
    if len(language) == 2 and language.lower() not in LANGUAGES:
        return f"{language!r} is not an ISO 639-1 language code"
    if hreflang and len(language) == 3:
        return f"{language!r} is not a two-letter ISO 639-1 code"
    if region and region.isalpha() and region.upper() not in REGIONS:
        hint = " (the United Kingdom is GB)" if region.upper() == "UK" else ""
        return f"{region!r} is not an ISO 3166-1 region code{hint}"
    if hreflang and (region or "").isdigit():
        return f"{region!r} is a numeric region, which hreflang does not support"
    return None


def primary(code: str) -> str:
    """The primary language subtag of `code`, lower-cased."""
    return code.strip().split("-", 1)[0].split("_", 1)[0].lower()
