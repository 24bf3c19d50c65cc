"""Operations ActiveCampaign documents on its reference pages but not in its OpenAPI file.

``reference/activecampaign/`` is a filtered copy of ActiveCampaign's own OpenAPI file, which
lacks a few operations its reference site documents. The emulator serves such an operation
only when Callboard needs it, and the contract suite then checks it against what that page
says, written here as a fragment of OpenAPI with the page it comes from. Nothing here is our
reading of how the API should look: each answer is the page's (status codes and body), and
where the page shows no body the shape is ActiveCampaign's usual one for that answer (the
``{}`` of every described DELETE, the not-found words of every described 404).
"""

from __future__ import annotations

from typing import Any

from tests.contract.described import Description

_NOT_FOUND = {"type": "object", "required": ["message"],
              "properties": {"message": {"type": "string", "pattern": "^No Result found for "}}}

PAGES: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "ActiveCampaign reference pages beyond the OpenAPI file", "version": "3"},
    "paths": {
        "/fieldOptions/{id}": {
            "delete": {
                "summary": "Delete a field option",
                # https://developers.activecampaign.com/reference/delete-a-custom-field-option:
                # "Deletes one option from a dropdown, listbox, radio, or checkbox custom
                # field, leaving the field and its other options in place ... Deleting an
                # option does not update contacts ... 404 if no option has this id."
                "x-source": "https://developers.activecampaign.com/reference/"
                            "delete-a-custom-field-option",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "deleted", "content": {"application/json": {
                        "schema": {"type": "object", "maxProperties": 0}}}},
                    "404": {"description": "no option has this id", "content": {
                        "application/json": {"schema": _NOT_FOUND}}},
                },
            },
        },
    },
}


def prospect2_pages() -> Description:
    return Description.of_document(PAGES, name="activecampaign-reference-pages",
                                   mount="/api/3")
