"""Refusals of the delegation services, each with a code the pages and API turn into words."""

from django.utils.translation import gettext_lazy as _

from accounts.errors import GRANT_MESSAGES, IDENTIFIER_MESSAGES
from carm.errors import CodedError

MESSAGES = {
    **IDENTIFIER_MESSAGES,
    **GRANT_MESSAGES,
    "not_manageable": _("You cannot manage this business relationship or client group."),
    "unknown_importer": _("CBSA has no importer with this business number."),
    "relationship_open": _(
        "There is already a pending or approved relationship between these businesses."
    ),
    "ends_in_past": _("The end date cannot be in the past."),
    "relationship_not_active": _("This relationship is not in force."),
    "group_name_taken": _(
        "This name is or was already used for a client group. Choose another name."
    ),
    "not_a_client": _("Only importers in a relationship with your business can be added."),
    "not_an_employee": _("Only people of your business can be added."),
    "not_inviting": _("Only the importer's Business Account Manager invites a surety."),
    "unknown_surety": _("CBSA has no surety company with this business number."),
    "surety_invited": _(
        "This surety company is already invited to post security for this program account."
    ),
    "invitation_withdrawn": _("This invitation was already withdrawn."),
}


class DelegationError(CodedError):
    messages = MESSAGES
