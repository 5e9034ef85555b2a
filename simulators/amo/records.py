"""The CDRi records for the shared table-driven codec (simulators/roc/codec.py): field order and kinds.

Element names come from the bench-cdri-1 mapping; Header, Beneficiary and InsuredPerson are the ROC records,
reused (the CDRi mapping gives them its own element names).
"""
from __future__ import annotations

from simulators.amo.messages import CdriAnswer, CdriRequest
from simulators.amo.rights import AmoOrganisme, AmoStatus, Css, Exoneration, ExonerationReason, Quality, RightsPeriod
from simulators.roc import records as _roc_records  # noqa: F401  (Header, Beneficiary, InsuredPerson)
from simulators.roc import codec
from simulators.roc.codec import OTHER_RECORDS, Field, Record, RecordCodec, record_tags, register_codec
from simulators.roc.kinds import DATE, INT, TEXT, TOKEN, code


def _kwargs(cls: type):
    return lambda values: cls(**values)


def register(record: Record) -> Record:
    """Into the codec's registry of other profiles' records (RECORDS stays bench-roc-1's)."""
    return codec.register(record, into=OTHER_RECORDS)


register(Record("AmoOrganisme", (Field("regime", TOKEN), Field("caisse", TOKEN), Field("centre", TOKEN),
                                 Field("name", TEXT)), _kwargs(AmoOrganisme)))
register(Record("RightsPeriod", (Field("start", DATE), Field("end", DATE)), _kwargs(RightsPeriod)))
register(Record("Exoneration", (Field("reason", code("exoneration", ExonerationReason)), Field("start", DATE),
                                Field("end", DATE, optional=True), Field("reference", TOKEN, optional=True)),
                _kwargs(Exoneration)))
register(Record("Css", (Field("organisme", TEXT), Field("start", DATE), Field("end", DATE)), _kwargs(Css)))


MESSAGES = (
    Record("CdriRequest", (Field("header", "Header"), Field("beneficiary", "Beneficiary"), Field("care_date", DATE)),
           _kwargs(CdriRequest), CdriRequest),
    Record("CdriAnswer", (
        Field("header", "Header"),
        Field("status", code("amo_status", AmoStatus)),
        Field("quality", code("quality", Quality)),
        Field("rang_beneficiaire", INT),
        Field("insured", "InsuredPerson", optional=True),
        Field("organisme", "AmoOrganisme"),
        Field("periods", "RightsPeriod", repeated=True),
        Field("exonerations", "Exoneration", repeated=True),
        Field("css", "Css", optional=True),
    ), _kwargs(CdriAnswer), CdriAnswer),
)
for _record in MESSAGES:
    register(_record)
    register_codec(_record.message_type, RecordCodec(_record.name), record_tags(_record.name))
