def shell(request):
    return {}
