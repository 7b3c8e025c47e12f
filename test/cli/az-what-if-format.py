# Renders a WhatIfOperationResult (JSON on stdin) with the az CLI's own formatter (Debian's azure-cli),
# without colours: the reference `trustline what-if` is compared with.
import json, sys
from azure.mgmt.resource.resources.models import WhatIfOperationResult
from azure.cli.command_modules.resource._formatters import format_what_if_operation_result
result = WhatIfOperationResult.deserialize(json.load(sys.stdin))
sys.stdout.write(format_what_if_operation_result(result, enable_color=False))
