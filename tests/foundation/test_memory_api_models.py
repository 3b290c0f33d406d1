"""The API's operations share ninja's response models (issue 20: worker memory): one model per
declared response type, not one per operation and status code (~1,000 identical pydantic
models, ~12 MiB in every web worker)."""

from __future__ import annotations

from pledgedesk.api import schemas as s
from pledgedesk.api.main import api


def _operations():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            yield from path_view.operations


def test_every_operation_shares_one_model_per_response_type():
    by_type: dict = {}
    operations = 0
    for operation in _operations():
        operations += 1
        for model in operation.response_models.values():
            if model is None:
                continue
            declared = model.model_fields["response"].annotation
            by_type.setdefault(declared, set()).add(id(model))
    assert operations > 100
    assert {declared: len(models) for declared, models in by_type.items()
            if len(models) > 1} == {}
    assert s.ErrorOut in by_type and s.ValidationErrorOut in by_type


def test_a_shared_error_model_still_validates_the_error_shape():
    operation = next(iter(_operations()))
    model = operation.response_models[404]
    body = {"code": "not_found", "message": "No such ticket", "field": None}
    assert model.model_validate({"response": body}).model_dump()["response"] == body

