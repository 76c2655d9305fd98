"""API views that write through the app's service functions (common/writes.py)."""


class ServiceWritesMixin:
    # Mix into a ModelViewSet and set `writes` (a common.writes.ModelWrites). The serializer
    # validates the request's shape; the service, the same one the admin and the commands
    # call, decides and writes in its own transaction. (A comment, not a docstring: the
    # schema would show a docstring as every operation's description.)

    writes = None

    def perform_create(self, serializer):
        serializer.instance = self.writes.create_from(data=dict(serializer.validated_data), actor=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = self.writes.update_from(
            instance=serializer.instance, changes=dict(serializer.validated_data), actor=self.request.user
        )

    def perform_destroy(self, instance):
        self.writes.delete_from(instance=instance, actor=self.request.user)
