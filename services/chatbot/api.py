"""Public chatbot API at the town host: anonymous, rate-limited, CORS-bound to the town's websites."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from services.chatbot import cors, ratelimit
from services.chatbot.actions import chat
from services.chatbot.models import Message

LANGUAGES = ("de", "en")


class ChatbotThrottle(BaseThrottle):
    """Per client and per town, counted in Redis; preflight requests are free."""

    def allow_request(self, request, view):
        if request.method == "OPTIONS":
            return True
        allowed, self.retry_after = ratelimit.allow(request)
        return allowed

    def wait(self):
        return self.retry_after


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ChatbotThrottle]
    town_public = True  # MembershipMiddleware: citizens need no account

    def options(self, request, *args, **kwargs):
        if not cors.origin_allowed(request):
            return Response({"detail": _("This website may not use the chatbot.")}, status=status.HTTP_403_FORBIDDEN)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return cors.add_headers(request, response)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        language = (request.data.get("language") if request.method == "POST" and hasattr(request.data, "get")
                    else request.query_params.get("language")) or translation.get_language() or "de"
        language = language[:2] if language[:2] in LANGUAGES else "de"
        translation.activate(language)
        request.LANGUAGE_CODE = language


def escalation_offer(case_opened: bool = False) -> dict:
    return {"offered": True, "url": reverse("chatbot-api:escalate"), "label": chat.human_label(),
            "case_opened": case_opened}


def ai_notice(generated: bool = False) -> str:
    if generated:
        return _("This answer was worded by an AI language model from the town's knowledge base; the numbers "
                 "in square brackets refer to the sources.")
    return _("This answer was generated automatically by an AI system from the town's knowledge base.")


class AskSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=1000, trim_whitespace=True)
    conversation = serializers.UUIDField(required=False)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)


class SourceSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    question = serializers.CharField()
    link = serializers.CharField(allow_blank=True)
    source = serializers.CharField(allow_blank=True)
    score = serializers.FloatField()
    cited = serializers.BooleanField(required=False,
                                     help_text="Generative answers only: whether the answer cites this source.")


class EscalationOfferSerializer(serializers.Serializer):
    offered = serializers.BooleanField()
    url = serializers.CharField()
    label = serializers.CharField()
    case_opened = serializers.BooleanField()


class SuggestionSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    question = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    conversation = serializers.UUIDField()
    message = serializers.IntegerField()
    outcome = serializers.ChoiceField(
        choices=[chat.Outcome.ANSWERED, chat.Outcome.SUGGESTED, chat.Outcome.DONT_KNOW, chat.Outcome.ESCALATED],
        help_text="answered; suggested: not sure enough to answer, but `suggestions` lists up to three questions "
                  "to pick from (POST pick); dont_know; escalated: a sensitive topic, handed to a person.")
    answered = serializers.BooleanField(help_text="False when the chatbot does not know and offers a person.")
    suggestions = SuggestionSerializer(many=True, help_text="\"Did you mean …?\" candidates (outcome suggested).")
    answer = serializers.CharField()
    sources = SourceSerializer(many=True, help_text="Best first.")
    confidence = serializers.FloatField()
    ai_generated = serializers.BooleanField()
    generated = serializers.BooleanField(
        help_text="True when the town's language model worded the answer from the sources (generative mode); "
                  "false when the answer is a knowledge-base entry's own text.")
    ai_notice = serializers.CharField()
    escalation = EscalationOfferSerializer()


class AskView(PublicView):
    """``POST /api/v1/chatbot/ask``: an answer from the knowledge base, or an honest "don't know"."""

    @extend_schema(request=AskSerializer, responses=AnswerSerializer, operation_id="chatbot_ask")
    def post(self, request):
        data = AskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = chat.ask(data.validated_data["question"], town=request.tenant,
                         token=data.validated_data.get("conversation"), language=request.LANGUAGE_CODE)
        return Response(reply_body(reply))


def reply_body(reply: chat.Reply) -> dict:
    return {
        "conversation": str(reply.conversation.token),
        "message": reply.message.pk,
        "outcome": reply.outcome,
        "answered": reply.answered,
        "suggestions": reply.suggestions,
        "answer": reply.message.text,
        "sources": reply.sources,
        "confidence": round(reply.confidence, 4),
        "ai_generated": True,
        "generated": reply.message.generated,
        "ai_notice": ai_notice(reply.message.generated),
        "escalation": escalation_offer(case_opened=reply.escalated),
    }


class PickSerializer(serializers.Serializer):
    conversation = serializers.UUIDField()
    message = serializers.IntegerField(help_text="The \"Did you mean …?\" message.")
    external_id = serializers.CharField(max_length=100, help_text="One of its suggestions.")
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)


class PickView(PublicView):
    """``POST /api/v1/chatbot/pick``: the citizen picked a "Did you mean …?" candidate; its answer."""

    @extend_schema(request=PickSerializer, responses={200: AnswerSerializer, 404: None},
                   operation_id="chatbot_pick")
    def post(self, request):
        data = PickSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        reply = chat.pick(v["conversation"], v["message"], v["external_id"], town=request.tenant)
        return Response(reply_body(reply))


class RateSerializer(serializers.Serializer):
    conversation = serializers.UUIDField()
    message = serializers.IntegerField()
    helpful = serializers.BooleanField()


class RatingSerializer(serializers.Serializer):
    message = serializers.IntegerField()
    rating = serializers.IntegerField(allow_null=True)


class RateView(PublicView):
    """``POST /api/v1/chatbot/rate``: was the answer helpful?"""

    @extend_schema(request=RateSerializer, responses=RatingSerializer, operation_id="chatbot_rate")
    def post(self, request):
        data = RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = chat.rate_answer(data.validated_data["conversation"], data.validated_data["message"],
                                   data.validated_data["helpful"])
        return Response({"message": message.pk, "rating": message.rating})


class EscalateSerializer(serializers.Serializer):
    conversation = serializers.UUIDField()
    message = serializers.IntegerField(required=False)
    question = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    consent = serializers.BooleanField(default=False)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)

    def validate(self, attrs):
        if attrs.get("email") and not attrs.get("consent"):
            raise serializers.ValidationError(
                {"consent": _("Please agree that we may use your e-mail address to reply, or leave it out.")})
        return attrs


class CaseSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    status = serializers.CharField()
    text = serializers.CharField()


class EscalateView(PublicView):
    """``POST /api/v1/chatbot/escalate``: hand the question to a person in the town's inbox."""

    @extend_schema(request=EscalateSerializer, responses={201: CaseSerializer}, operation_id="chatbot_escalate")
    def post(self, request):
        data = EscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            case = chat.escalate(v["conversation"], message_id=v.get("message"), question=v.get("question", ""),
                                 contact_email=v.get("email", ""), consent=v["consent"])
        except ValueError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        text = (_("Thank you. A member of staff will reply to you by e-mail.") if case.contact_consent else
                _("Thank you. A member of staff will answer; come back to this conversation to read the reply."))
        return Response({"case": case.pk, "status": case.status, "text": text}, status=status.HTTP_201_CREATED)


class ConversationMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    sources = SourceSerializer(many=True)
    ai_generated = serializers.BooleanField()
    generated = serializers.BooleanField()
    question = serializers.CharField(help_text="For a staff reply: the citizen's question it answers.")
    created_at = serializers.DateTimeField()


class ConversationSerializer(serializers.Serializer):
    conversation = serializers.UUIDField()
    messages = ConversationMessageSerializer(many=True)


class ConversationView(PublicView):
    """``GET /api/v1/chatbot/conversations/<token>``: the conversation, with staff replies."""

    @extend_schema(responses=ConversationSerializer, operation_id="chatbot_conversation")
    def get(self, request, token):
        conversation = chat.access_conversation(token)
        messages = [{"id": m.pk, "kind": m.kind, "text": m.text, "sources": m.sources,
                     "ai_generated": m.kind in (Message.Kind.ANSWER, Message.Kind.DONT_KNOW,
                                                Message.Kind.SUGGESTED),
                     "generated": m.generated,
                     "question": m.in_reply_to.text if m.kind == Message.Kind.STAFF and m.in_reply_to else "",
                     "created_at": m.created_at.isoformat()}
                    for m in conversation.messages.select_related("in_reply_to")]
        return Response({"conversation": str(conversation.token), "messages": messages})
