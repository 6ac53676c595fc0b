# The peer's routes: a floor, the protected GET, and SimpleJWT's token endpoint.
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView


class Healthz(APIView):
    # The floor: the same stack (routing, middleware, DRF, JSON) with no authentication.
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


class Me(APIView):
    # The protected GET: the project-wide JWTAuthentication + IsAuthenticated.
    def get(self, request):
        return Response({"id": request.user.id})


urlpatterns = [
    path("healthz", Healthz.as_view()),
    path("api/me", Me.as_view()),
    path("api/token/", TokenObtainPairView.as_view()),
]
